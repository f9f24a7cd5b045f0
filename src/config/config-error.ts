/** A setting is missing or invalid. Its message names the setting and what would be valid. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly setting: string;

  constructor(setting: string, problem: string) {
    super(`${setting}: ${problem}`);
    this.setting = setting;
  }
}
