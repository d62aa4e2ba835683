/** An entity a business system manages, with the fields its tools take. */
export interface Entity {
  /** snake_case singular, as it appears in tool names. */
  name: string;
  plural: string;
  /** What it is, in the words of someone who uses it. */
  gloss: string;
  fields: readonly string[];
}

export interface Domain {
  name: string;
  title: string;
  system: string;
  entities: readonly Entity[];
}

/** An entity, written compactly in the vocabulary's tables. */
export const e = (name: string, plural: string, gloss: string, fields: string[]): Entity => ({
  name,
  plural,
  gloss,
  fields,
});
