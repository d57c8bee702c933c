// One way to turn anything thrown into text for a message: an Error's message, else String(value).
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
