import type { Domain, Entity } from './entity.js';

type Schema = Record<string, unknown>;

/** What a verb does to an entity: its words, the arguments it takes, its safety annotations. */
export interface Verb {
  name: string;
  title: string;
  /** Several phrasings; the generator picks one per tool, so descriptions vary as real ones do. */
  phrasings: readonly ((d: Domain, x: Entity) => string)[];
  args(x: Entity): { properties: Record<string, Schema>; required: string[] };
  readOnly: boolean;
  destructive: boolean;
}

const str = (description: string): Schema => ({ type: 'string', description });
const spaced = (x: Entity) => x.name.replace(/_/g, ' ');
/** The entity with its indefinite article: "an alert", "a ticket". */
export const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const one = (x: Entity) => `${/^[aeiou]/.test(x.name) ? 'an' : 'a'} ${spaced(x)}`;
const idOf = (x: Entity) => `${x.name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())}Id`;
const fieldArgs = (x: Entity) => Object.fromEntries(x.fields.map((f) => [f, str(`The ${spaced(x)}'s ${f}`)]));
const idArg = (x: Entity) => ({ [idOf(x)]: str(`Identifier of the ${spaced(x)}`) });
const paging = {
  limit: { type: 'integer', minimum: 1, maximum: 500, description: 'Most items to return' },
  cursor: str('Cursor from the previous page'),
};

export const VERBS: readonly Verb[] = [
  {
    name: 'list',
    title: 'List',
    phrasings: [
      (d, x) =>
        `Lists ${x.plural} in ${d.system}, newest first, filtered by ${x.fields.slice(0, 2).join(' and ')}.`,
      (d, x) => `Returns a page of ${x.plural} (${x.gloss}) from ${d.system}.`,
      (_d, x) => `Enumerates ${x.plural}, optionally narrowed by ${x.fields[0]}; paginated.`,
    ],
    args: (x) => ({ properties: { ...fieldArgs(x), ...paging }, required: [] }),
    readOnly: true,
    destructive: false,
  },
  {
    name: 'get',
    title: 'Get',
    phrasings: [
      (d, x) => `Fetches one ${spaced(x)} from ${d.system} by its id, with every field.`,
      (_d, x) => `Shows the details of a single ${spaced(x)}: ${x.gloss}.`,
    ],
    args: (x) => ({ properties: idArg(x), required: [idOf(x)] }),
    readOnly: true,
    destructive: false,
  },
  {
    name: 'create',
    title: 'Create',
    phrasings: [
      (d, x) => `Creates a new ${spaced(x)} in ${d.system}. ${capitalised(one(x))} is ${x.gloss}.`,
      (_d, x) => `Adds ${one(x)} with the given ${x.fields.join(', ')}.`,
    ],
    args: (x) => ({ properties: fieldArgs(x), required: x.fields.slice(0, 2) }),
    readOnly: false,
    destructive: false,
  },
  {
    name: 'update',
    title: 'Update',
    phrasings: [
      (d, x) =>
        `Changes fields of an existing ${spaced(x)} in ${d.system}; fields left out keep their value.`,
      (_d, x) => `Edits ${one(x)}, e.g. its ${x.fields[x.fields.length - 1]}.`,
    ],
    args: (x) => ({ properties: { ...idArg(x), ...fieldArgs(x) }, required: [idOf(x)] }),
    readOnly: false,
    destructive: false,
  },
  {
    name: 'delete',
    title: 'Delete',
    phrasings: [
      (d, x) => `Permanently removes ${one(x)} from ${d.system}. Cannot be undone.`,
      (_d, x) => `Deletes the ${spaced(x)} with the given id (${x.gloss}).`,
    ],
    args: (x) => ({
      properties: { ...idArg(x), confirm: { type: 'boolean', description: 'Must be true' } },
      required: [idOf(x), 'confirm'],
    }),
    readOnly: false,
    destructive: true,
  },
  {
    name: 'search',
    title: 'Search',
    phrasings: [
      (d, x) => `Full-text search over ${x.plural} in ${d.system}; matches ${x.fields.join(', ')}.`,
      (_d, x) => `Finds ${x.plural} whose text matches a query, ranked by relevance.`,
    ],
    args: () => ({ properties: { query: str('Words to look for'), ...paging }, required: ['query'] }),
    readOnly: true,
    destructive: false,
  },
  {
    name: 'export',
    title: 'Export',
    phrasings: [
      (d, x) => `Exports ${x.plural} from ${d.system} as CSV or JSON for spreadsheets and audits.`,
      (_d, x) => `Downloads every ${spaced(x)} matching a filter as a file.`,
    ],
    args: () => ({
      properties: {
        format: { type: 'string', enum: ['csv', 'json'], description: 'File format' },
        filter: str('Filter expression'),
      },
      required: ['format'],
    }),
    readOnly: true,
    destructive: false,
  },
  {
    name: 'archive',
    title: 'Archive',
    phrasings: [
      (d, x) => `Archives ${one(x)} in ${d.system}: hidden from lists, kept for records, restorable.`,
      (_d, x) => `Moves an old ${spaced(x)} out of the way without deleting it.`,
    ],
    args: (x) => ({ properties: { ...idArg(x), note: str('Why it is archived') }, required: [idOf(x)] }),
    readOnly: false,
    destructive: false,
  },
  {
    name: 'count',
    title: 'Count',
    phrasings: [
      (d, x) => `Counts ${x.plural} in ${d.system} grouped by ${x.fields[0]}, without returning them.`,
      (_d, x) => `Returns how many ${x.plural} match a filter: a quick total for reports.`,
    ],
    args: (x) => ({
      properties: { groupBy: { type: 'string', enum: [...x.fields] }, filter: str('Filter expression') },
      required: [],
    }),
    readOnly: true,
    destructive: false,
  },
];
