import { type Definition, definePrompt, defineTool, type ProviderHandle } from '@mcp-fleet/sdk';
import { NO_ARGUMENTS } from '../schemas.js';

/**
 * The catalog the trigger tools change (conformance's list-changed checks call them): each
 * trigger shows its dynamic item when hidden and hides it when shown, then republishes the
 * catalog, so every watcher (each gateway replica's WatchCatalog) hears of the change.
 */
class CatalogChanges {
  private handle?: ProviderHandle;
  private base: readonly Definition[] = [];
  private readonly shown = new Set<Definition>();

  /** The serving provider whose catalog the triggers change, and its definitions without extras. */
  attach(handle: ProviderHandle, base: readonly Definition[]): void {
    this.handle = handle;
    this.base = base;
    this.shown.clear();
  }

  toggle(item: Definition): string {
    if (!this.handle) throw new Error('no serving provider is attached: there is no catalog to change');
    const shown = !this.shown.delete(item);
    if (shown) this.shown.add(item);
    this.handle.setDefinitions([...this.base, ...this.shown]);
    return `${item.kind} ${'name' in item ? item.name : ''} ${shown ? 'added' : 'removed'}`;
  }
}

export const catalogChanges = new CatalogChanges();

const dynamicTool = defineTool({
  name: 'test_dynamic_tool',
  description: 'Listed only while test_trigger_tool_change has added it.',
  inputSchema: NO_ARGUMENTS,
  handler: () => 'This tool comes and goes.',
});

const dynamicPrompt = definePrompt({
  name: 'test_dynamic_prompt',
  description: 'Listed only while test_trigger_prompt_change has added it.',
  get: () => ({
    messages: [{ role: 'user', content: { type: 'text', text: 'This prompt comes and goes.' } }],
  }),
});

export const triggerToolChange = defineTool({
  name: 'test_trigger_tool_change',
  description: 'Adds test_dynamic_tool to the tool list, or removes it: clients get tools/list_changed.',
  inputSchema: NO_ARGUMENTS,
  handler: () => catalogChanges.toggle(dynamicTool),
});

export const triggerPromptChange = defineTool({
  name: 'test_trigger_prompt_change',
  description:
    'Adds test_dynamic_prompt to the prompt list, or removes it: clients get prompts/list_changed.',
  inputSchema: NO_ARGUMENTS,
  handler: () => catalogChanges.toggle(dynamicPrompt),
});
