import { defineTool, READ_ONLY } from '@mcp-fleet/sdk';
import { RED_PIXEL_PNG, silentWav } from '../media.js';
import { NO_ARGUMENTS } from '../schemas.js';

export const simpleText = defineTool({
  name: 'test_simple_text',
  description: 'Returns a fixed text block.',
  inputSchema: NO_ARGUMENTS,
  annotations: READ_ONLY,
  handler: () => 'This is a simple text response for testing.',
});

export const imageContent = defineTool({
  name: 'test_image_content',
  description: 'Returns a 1x1 red PNG image.',
  inputSchema: NO_ARGUMENTS,
  annotations: READ_ONLY,
  handler: () => ({ content: [{ type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' }] }),
});

export const audioContent = defineTool({
  name: 'test_audio_content',
  description: 'Returns a short WAV clip of silence.',
  inputSchema: NO_ARGUMENTS,
  annotations: READ_ONLY,
  handler: () => ({ content: [{ type: 'audio', data: silentWav(100), mimeType: 'audio/wav' }] }),
});

export const embeddedResource = defineTool({
  name: 'test_embedded_resource',
  description: 'Returns an embedded text resource.',
  inputSchema: NO_ARGUMENTS,
  annotations: READ_ONLY,
  handler: () => ({
    content: [
      {
        type: 'resource',
        resource: {
          uri: 'test://embedded-resource',
          mimeType: 'text/plain',
          text: 'This is an embedded resource content.',
        },
      },
    ],
  }),
});

export const multipleContentTypes = defineTool({
  name: 'test_multiple_content_types',
  description: 'Returns text, an image and an embedded resource together.',
  inputSchema: NO_ARGUMENTS,
  annotations: READ_ONLY,
  handler: () => ({
    content: [
      { type: 'text', text: 'Multiple content types test:' },
      { type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' },
      {
        type: 'resource',
        resource: {
          uri: 'test://mixed-content-resource',
          mimeType: 'application/json',
          text: JSON.stringify({ test: 'data', value: 123 }),
        },
      },
    ],
  }),
});

export const errorHandling = defineTool({
  name: 'test_error_handling',
  description: 'Always fails, to show how tool errors reach the client.',
  inputSchema: NO_ARGUMENTS,
  annotations: READ_ONLY,
  handler() {
    throw new Error('This tool intentionally returns an error for testing');
  },
});
