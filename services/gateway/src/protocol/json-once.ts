/**
 * The JSON of an object the gateway reads and never changes afterwards (a client's capabilities),
 * made once per object: a 2026 request's envelope is measured for its size limit and then sent
 * to the provider, and a 2025 session sends the same capabilities with every call.
 */
const texts = new WeakMap<object, string>();

export function jsonOnce(value: object): string {
  let text = texts.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    texts.set(value, text);
  }
  return text;
}
