import type { GatewayConfig } from '../config.js';
import type { ProviderConfig } from './providers-file.js';

/** `off`: definitions are served as the provider describes them; `warn`: served, differences logged; `enforce`: withheld. */
export type PinMode = 'off' | 'warn' | 'enforce';

/** How one provider's tool definitions are pinned. */
export interface PinSettings {
  mode: PinMode;
  /** A tool the provider adds once it has pins: held like a change, or pinned on sight. */
  newTools: 'allow' | 'hold';
  /** A provider with no pins at all: its catalog pinned as it is (trust on first use), or held. */
  firstSight: 'trust' | 'hold';
}

/** What a providers-file entry may set under `pinning:`. */
export type PinningOverride = Partial<PinSettings>;

export const PINNING_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    mode: { enum: ['off', 'warn', 'enforce'] },
    newTools: { enum: ['allow', 'hold'] },
    firstSight: { enum: ['trust', 'hold'] },
  },
};

/** The gateway-wide defaults (config keys). */
export function pinDefaults(config: GatewayConfig): PinSettings {
  return {
    mode: config.pinning as PinMode,
    newTools: config.pinningNewTools as PinSettings['newTools'],
    firstSight: config.pinningFirstSight as PinSettings['firstSight'],
  };
}

/** A provider's settings: its providers-file entry over the defaults (discovered providers use the defaults). */
export const pinSettingsOf = (defaults: PinSettings, config: ProviderConfig): PinSettings => ({
  ...defaults,
  ...config.pinning,
});
