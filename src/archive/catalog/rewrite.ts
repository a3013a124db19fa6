/** Text that ruleutils prints with the schema spelled out even when it is on search_path; stripped here. */
export function unqualify(
  def: string,
  prefix: string,
  qualified: string,
  replacement: string,
): string {
  if (def.startsWith(prefix + qualified))
    return prefix + replacement + def.slice(prefix.length + qualified.length);
  return def;
}
