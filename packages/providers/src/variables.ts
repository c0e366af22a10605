/**
 * The patient's `extended` data and the call's reason as flat string variables, the shape every
 * vendor's prompt templating takes: `{ appointment: { name } }` becomes `appointment_name`.
 */
export function dynamicVariables(metadata: Record<string, unknown>, reason: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (value: unknown, key: string, depth: number) => {
    if (value === null || value === undefined) out[key] = "";
    else if (typeof value === "object" && !Array.isArray(value) && depth < 4) {
      for (const [k, v] of Object.entries(value)) walk(v, key ? `${key}_${k}` : k, depth + 1);
    } else if (typeof value === "object") out[key] = JSON.stringify(value);
    else out[key] = String(value);
  };
  walk(metadata, "", 0);
  if (reason !== null) out.reason = reason;
  return out;
}

/** "Agent: hi\nUser: hello" (one speaker per line) as turns; unknown prefixes join the turn before. */
export function transcriptFromText(text: string, speakers: Record<string, "agent" | "patient">) {
  const turns: { role: "agent" | "patient"; text: string }[] = [];
  for (const line of text.split("\n")) {
    const match = line.match(/^\s*([A-Za-z_ ]+):\s?(.*)$/);
    const role = match ? speakers[match[1]!.trim().toLowerCase()] : undefined;
    if (role) turns.push({ role, text: match![2]!.trim() });
    else if (line.trim() && turns.length) turns[turns.length - 1]!.text += ` ${line.trim()}`;
  }
  return turns;
}
