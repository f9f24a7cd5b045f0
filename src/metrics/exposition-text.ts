/** Labels of one series, as FastCounter and FastHistogram take them. */
export type Labels = Readonly<Record<string, string>>;

/** A metric family's `# HELP` and `# TYPE` lines, escaped as prom-client escapes them. */
export function familyHeader(name: string, help: string, type: "counter" | "histogram"): string[] {
  return [`# HELP ${name} ${escape(help)}`, `# TYPE ${name} ${type}`];
}

/** Each label as `name="value"`, in the object's order, as prom-client writes them. */
export function labelPairs(labels: Labels): string[] {
  return Object.entries(labels).map(([label, value]) => `${label}="${escape(value).replace(/"/g, '\\"')}"`);
}

function escape(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}
