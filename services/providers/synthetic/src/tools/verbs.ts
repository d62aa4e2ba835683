import type { Domain, Entity } from './vocabulary.js';

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
const idOf = (x: Entity) => `${x.name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())}Id`;
const fieldArgs = (x: Entity) =>
  Object.fromEntries(x.fields.map((f) => [f, str(`The ${x.name.replace(/_/g, ' ')}'s ${f}`)]));
const idArg = (x: Entity) => ({ [idOf(x)]: str(`Identifier of the ${x.name.replace(/_/g, ' ')}`) });
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
      (d, x) => `Fetches one ${x.name.replace(/_/g, ' ')} from ${d.system} by its id, with every field.`,
      (_d, x) => `Shows the details of a single ${x.name.replace(/_/g, ' ')}: ${x.gloss}.`,
    ],
    args: (x) => ({ properties: idArg(x), required: [idOf(x)] }),
    readOnly: true,
    destructive: false,
  },
  {
    name: 'create',
    title: 'Create',
    phrasings: [
      (d, x) =>
        `Creates a new ${x.name.replace(/_/g, ' ')} in ${d.system}. A ${x.name.replace(/_/g, ' ')} is ${x.gloss}.`,
      (_d, x) => `Adds a ${x.name.replace(/_/g, ' ')} with the given ${x.fields.join(', ')}.`,
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
        `Changes fields of an existing ${x.name.replace(/_/g, ' ')} in ${d.system}; fields left out keep their value.`,
      (_d, x) => `Edits a ${x.name.replace(/_/g, ' ')}, e.g. its ${x.fields[x.fields.length - 1]}.`,
    ],
    args: (x) => ({ properties: { ...idArg(x), ...fieldArgs(x) }, required: [idOf(x)] }),
    readOnly: false,
    destructive: false,
  },
  {
    name: 'delete',
    title: 'Delete',
    phrasings: [
      (d, x) => `Permanently removes a ${x.name.replace(/_/g, ' ')} from ${d.system}. Cannot be undone.`,
      (_d, x) => `Deletes the ${x.name.replace(/_/g, ' ')} with the given id (${x.gloss}).`,
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
      (_d, x) => `Downloads every ${x.name.replace(/_/g, ' ')} matching a filter as a file.`,
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
      (d, x) =>
        `Archives a ${x.name.replace(/_/g, ' ')} in ${d.system}: hidden from lists, kept for records, restorable.`,
      (_d, x) => `Moves an old ${x.name.replace(/_/g, ' ')} out of the way without deleting it.`,
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
