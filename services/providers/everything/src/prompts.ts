import { definePrompt } from '@mcp-fleet/sdk';
import { RED_PIXEL_PNG } from './media.js';
import { askField } from './tools/input-required.js';

const CITIES = ['paris', 'park', 'party', 'prague', 'porto'];

const simple = definePrompt({
  name: 'test_simple_prompt',
  description: 'A prompt without arguments.',
  get: () => ({
    messages: [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }],
  }),
});

const withArguments = definePrompt({
  name: 'test_prompt_with_arguments',
  description: 'A prompt with two required arguments.',
  arguments: [
    { name: 'arg1', description: 'First test argument', required: true },
    { name: 'arg2', description: 'Second test argument', required: true },
  ],
  complete: { arg1: (value) => CITIES.filter((city) => city.startsWith(value)) },
  get: ({ arg1, arg2 }) => ({
    messages: [
      {
        role: 'user',
        content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` },
      },
    ],
  }),
});

const withEmbeddedResource = definePrompt({
  name: 'test_prompt_with_embedded_resource',
  description: 'A prompt that embeds the resource named by its argument.',
  arguments: [{ name: 'resourceUri', description: 'URI of the resource to embed', required: true }],
  get: ({ resourceUri = '' }) => ({
    messages: [
      {
        role: 'user',
        content: {
          type: 'resource',
          resource: {
            uri: resourceUri,
            mimeType: 'text/plain',
            text: 'Embedded resource content for testing.',
          },
        },
      },
      { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
    ],
  }),
});

const withImage = definePrompt({
  name: 'test_prompt_with_image',
  description: 'A prompt that carries an image.',
  get: () => ({
    messages: [
      { role: 'user', content: { type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' } },
      { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
    ],
  }),
});

const withInputRequired = definePrompt({
  name: 'test_input_required_result_prompt',
  description: 'Asks the user for context (key user_context) before it is rendered (SEP-2322).',
  get: async (_args, ctx) => ({
    messages: [
      {
        role: 'user',
        content: {
          type: 'text',
          text: `Prompt with context: ${await askField(ctx, 'user_context', 'What context should the prompt use?', 'context')}`,
        },
      },
    ],
  }),
});

export const prompts = [simple, withArguments, withEmbeddedResource, withImage, withInputRequired];
