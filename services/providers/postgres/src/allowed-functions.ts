/**
 * The functions caller SQL may use, by family: built-in functions of `pg_catalog` known to compute
 * a value from their arguments and nothing else. Anything not named here is refused, whatever
 * form the reference takes. Not here on purpose: anything that runs SQL given as text (ts_stat,
 * ts_rewrite, query_to_xml, table_to_xml, ...), touches server files, large objects, other
 * backends, settings or session state (set_config, advisory locks, setseed), statistics resets,
 * replication, dblink, sleeping, and anything that takes a type by name as text and runs its
 * input function (pg_input_is_valid, pg_input_error_info): the gate sees the types a statement
 * names, not a string that names one.
 */
const FAMILIES: Record<string, string> = {
  math: `
    abs acos acosd acosh asin asind asinh atan atan2 atan2d atand atanh cbrt ceil ceiling cos cosd cosh
    cot cotd degrees div erf erfc exp factorial floor gcd lcm ln log log10 min_scale mod pi power pow
    radians random random_normal round scale sign sin sind sinh sqrt tan tand tanh trim_scale trunc
    width_bucket`,
  string: `
    ascii bit_count bit_length btrim casefold char_length character_length chr concat concat_ws convert
    convert_from convert_to crc32 crc32c decode encode format get_bit get_byte initcap is_normalized
    left length like_escape lower lpad ltrim md5 normalize octet_length overlay parse_ident position
    quote_ident quote_literal quote_nullable regexp_count regexp_instr regexp_like regexp_match
    regexp_matches regexp_replace regexp_split_to_array regexp_split_to_table regexp_substr repeat
    replace reverse right rpad rtrim set_bit set_byte sha224 sha256 sha384 sha512 similar_escape
    similar_to_escape split_part starts_with string_to_array string_to_table strpos substr substring
    to_ascii to_bin to_char to_hex to_number to_oct translate unistr upper unicode_assigned
    pg_client_encoding gen_random_uuid uuidv4 uuidv7 uuid_extract_timestamp uuid_extract_version
    cash_words`,
  datetime: `
    age clock_timestamp date_add date_bin date_part date_subtract date_trunc extract isfinite
    justify_days justify_hours justify_interval make_date make_interval make_time make_timestamp
    make_timestamptz now overlaps statement_timestamp timeofday timezone to_date to_timestamp
    transaction_timestamp`,
  json: `
    array_to_json json_agg json_agg_strict json_array_elements json_array_elements_text
    json_array_length json_build_array json_build_object json_each json_each_text json_extract_path
    json_extract_path_text json_object json_object_agg json_object_agg_strict json_object_agg_unique
    json_object_agg_unique_strict json_object_keys json_populate_record json_populate_recordset
    json_strip_nulls json_to_record json_to_recordset json_typeof jsonb_agg jsonb_agg_strict
    jsonb_array_elements jsonb_array_elements_text jsonb_array_length jsonb_build_array
    jsonb_build_object jsonb_each jsonb_each_text jsonb_extract_path jsonb_extract_path_text
    jsonb_insert jsonb_object jsonb_object_agg jsonb_object_agg_strict jsonb_object_agg_unique
    jsonb_object_agg_unique_strict jsonb_object_keys jsonb_path_exists jsonb_path_exists_tz
    jsonb_path_match jsonb_path_match_tz jsonb_path_query jsonb_path_query_array
    jsonb_path_query_array_tz jsonb_path_query_first jsonb_path_query_first_tz jsonb_path_query_tz
    jsonb_populate_record jsonb_populate_record_valid jsonb_populate_recordset jsonb_pretty jsonb_set
    jsonb_set_lax jsonb_strip_nulls jsonb_to_record jsonb_to_recordset jsonb_typeof row_to_json to_json
    to_jsonb`,
  arrays: `
    array_append array_cat array_dims array_fill array_length array_lower array_ndims array_position
    array_positions array_prepend array_remove array_replace array_reverse array_sample array_shuffle
    array_sort array_to_string array_upper cardinality generate_subscripts trim_array unnest
    generate_series`,
  aggregates: `
    any_value array_agg avg bit_and bit_or bit_xor bool_and bool_or corr count covar_pop covar_samp
    every max min mode percentile_cont percentile_disc range_agg range_intersect_agg regr_avgx regr_avgy
    regr_count regr_intercept regr_r2 regr_slope regr_sxx regr_sxy regr_syy stddev stddev_pop
    stddev_samp string_agg sum var_pop var_samp variance xmlagg`,
  window: `
    cume_dist dense_rank first_value lag last_value lead nth_value ntile percent_rank rank row_number`,
  sampling: `
    bernoulli system`,
  conditional: `
    num_nonnulls num_nulls pg_typeof pg_collation_for`,
  ranges: `
    daterange int4range int8range numrange tsrange tstzrange datemultirange int4multirange
    int8multirange nummultirange tsmultirange tstzmultirange isempty lower_inc lower_inf upper_inc
    upper_inf range_merge multirange`,
  network: `
    abbrev broadcast family host hostmask inet_merge inet_same_family macaddr8_set7bit masklen netmask
    network set_masklen`,
  geometry: `
    area bound_box box center circle diagonal diameter height isclosed isopen line lseg npoints path
    pclose point polygon popen radius slope width`,
  textSearch: `
    array_to_tsvector get_current_ts_config numnode phraseto_tsquery plainto_tsquery querytree setweight
    strip to_tsquery to_tsvector ts_delete ts_filter ts_headline ts_rank ts_rank_cd tsquery_phrase
    tsvector_to_array websearch_to_tsquery json_to_tsvector jsonb_to_tsvector`,
  enums: `
    enum_first enum_last enum_range`,
  xml: `
    xmlcomment xmltext xpath xpath_exists xml_is_well_formed xml_is_well_formed_content
    xml_is_well_formed_document`,
  catalogInfo: `
    col_description current_database current_schema current_schemas current_setting format_type
    has_column_privilege has_database_privilege has_function_privilege has_schema_privilege
    has_sequence_privilege has_table_privilege has_type_privilege obj_description pg_column_size
    pg_database_size pg_get_constraintdef pg_get_expr pg_get_function_arguments
    pg_get_function_identity_arguments pg_get_function_result pg_get_functiondef pg_get_indexdef
    pg_get_serial_sequence pg_get_triggerdef pg_get_userbyid pg_get_viewdef pg_has_role pg_indexes_size
    pg_relation_size pg_size_bytes pg_size_pretty pg_table_is_visible pg_table_size
    pg_total_relation_size pg_type_is_visible pg_function_is_visible pg_encoding_to_char
    pg_char_to_encoding shobj_description to_regclass to_regnamespace to_regoper to_regoperator
    to_regproc to_regprocedure to_regrole to_regtype to_regtypemod version pg_is_in_recovery
    pg_postmaster_start_time pg_backend_pid`,
};

/** Extra functions a read-write provider's DML may call: sequences. */
const WRITE_FAMILY = 'nextval currval lastval setval';

/** Names of the read-only families. */
export const READ_NAMES: readonly string[] = words(Object.values(FAMILIES).join(' '));

export const WRITE_NAMES: readonly string[] = [...READ_NAMES, ...words(WRITE_FAMILY)];

function words(text: string): string[] {
  return text.split(/\s+/).filter((w) => w !== '');
}

/** `schema.name` or `schema.*` entries of MCPFLEET_PG_ALLOW_FUNCTIONS; refuses to start on anything else. */
export function parseAllowFunctions(value: string | undefined): string[] {
  const entries = (value ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  const bad = entries.find((e) => !/^[a-z_][a-z0-9_$]*\.([a-z_][a-z0-9_$]*|\*)$/i.test(e));
  if (bad !== undefined)
    throw new Error(`MCPFLEET_PG_ALLOW_FUNCTIONS: "${bad}" is not schema.name or schema.*`);
  return entries;
}
