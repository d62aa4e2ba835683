import { defineResource, defineResourceTemplate } from '@mcp-fleet/sdk';
import { RED_PIXEL_PNG } from './media.js';

export const WATCHED_RESOURCE = 'test://watched-resource';

/** How often the watched resource has changed; the provider's timer bumps it. */
export const watched = { version: 0 };

const staticText = defineResource({
  uri: 'test://static-text',
  name: 'static-text',
  description: 'A fixed text resource.',
  mimeType: 'text/plain',
  read: () => [
    {
      uri: 'test://static-text',
      mimeType: 'text/plain',
      text: 'This is the content of the static text resource.',
    },
  ],
});

const staticBinary = defineResource({
  uri: 'test://static-binary',
  name: 'static-binary',
  description: 'A fixed binary resource (a 1x1 PNG).',
  mimeType: 'image/png',
  read: () => [{ uri: 'test://static-binary', mimeType: 'image/png', blob: RED_PIXEL_PNG }],
});

const watchedResource = defineResource({
  uri: WATCHED_RESOURCE,
  name: 'watched-resource',
  description: 'A resource that changes over time; subscribe to hear about it.',
  mimeType: 'text/plain',
  subscribable: true,
  read: () => [
    { uri: WATCHED_RESOURCE, mimeType: 'text/plain', text: `Watched resource, version ${watched.version}` },
  ],
});

const templateData = defineResourceTemplate({
  uriTemplate: 'test://template/{id}/data',
  name: 'template-data',
  description: 'Data for any id, substituted into the URI.',
  mimeType: 'application/json',
  complete: { id: (value) => ['1', '2', '3', '123'].filter((id) => id.startsWith(value)) },
  read: (uri, { id }) => [
    {
      uri,
      mimeType: 'application/json',
      text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }),
    },
  ],
});

export const resources = [staticText, staticBinary, watchedResource, templateData];
