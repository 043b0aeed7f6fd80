/** One thing wrong with the configuration: which key, where its value came from, and what was expected. */
export interface ConfigurationProblem {
  /** Dotted path of the offending key, e.g. `redis.port` or `odbc.connections[1].name`. */
  key: string;
  /** Where the value came from: a file path relative to the project, `env CTXB_…`, or `(missing)`. */
  source: string;
  /** What the value should have been. */
  expected: string;
  /** The rejected value as text, or undefined when it is secret or absent. */
  shown?: string;
}

/** Thrown at start-up when the configuration cannot be read or is invalid; lists every problem at once. */
export class ConfigurationException extends Error {
  constructor(readonly problems: ConfigurationProblem[]) {
    super(ConfigurationException.describe(problems));
    this.name = 'ConfigurationException';
  }

  private static describe(problems: ConfigurationProblem[]): string {
    const lines = problems.map((p) => {
      const value = p.shown === undefined ? '' : ` = ${p.shown}`;
      return `  - ${p.key}${value} (from ${p.source}): ${p.expected}`;
    });
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    return `Configuration is invalid (${count}):\n${lines.join('\n')}`;
  }
}
