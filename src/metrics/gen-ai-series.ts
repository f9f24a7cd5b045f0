/** `gen_ai.system` for Azure OpenAI, as OpenTelemetry names it. */
export const GEN_AI_SYSTEM = "az.ai.openai";

/** The GenAI label values of one series (bounded, once GatewayMetrics has them). */
export interface GenAiValues {
  /** What the caller asked for: the route, or the model name when it resolved to none. */
  readonly requestModel: string;
  /** The serving deployment's underlying model; empty when none served. */
  readonly responseModel: string;
  /** Host and port of the Azure endpoint last tried; empty when none was. */
  readonly serverAddress: string;
  readonly serverPort: string;
  readonly deployment: string;
  readonly region: string;
}

type Labels = Record<string, string>;

/** Token types of `gen_ai_client_token_usage`: OpenTelemetry's input and output, and their cached and reasoning parts. */
export type TokenType = "input" | "output" | "cached" | "reasoning";

/**
 * The label sets of one combination of GenAI label values, built once: FastHistogram and FastCounter
 * find a series by its label object, and a chat request counts into seven of them.
 */
export class GenAiSeries {
  readonly labels: Readonly<Labels>;
  readonly tokens: Readonly<Record<TokenType, Readonly<Labels>>>;
  readonly #values: GenAiValues;
  /** By error code (a few dozen at most): the duration's label sets. */
  readonly #byError = new Map<string, Readonly<Labels>>();

  constructor(values: GenAiValues) {
    this.#values = values;
    this.labels = labelsOf(values, undefined, "");
    this.tokens = {
      input: labelsOf(values, "gen_ai_token_type", "input"),
      output: labelsOf(values, "gen_ai_token_type", "output"),
      cached: labelsOf(values, "gen_ai_token_type", "cached"),
      reasoning: labelsOf(values, "gen_ai_token_type", "reasoning"),
    };
  }

  /** The labels with `error_type`: the error code, empty for a request answered in full. */
  withError(errorType: string): Readonly<Labels> {
    let labels = this.#byError.get(errorType);
    if (labels === undefined) {
      labels = labelsOf(this.#values, "error_type", errorType);
      this.#byError.set(errorType, labels);
    }
    return labels;
  }
}

function labelsOf(values: GenAiValues, extraName: "gen_ai_token_type" | "error_type" | undefined, extraValue: string): Labels {
  // Literals with every key, never a key added later: each kind of label set keeps one fast shape.
  const { requestModel, responseModel, serverAddress, serverPort, deployment, region } = values;
  const system = GEN_AI_SYSTEM;
  switch (extraName) {
    case undefined:
      return { gen_ai_operation_name: "chat", gen_ai_system: system, gen_ai_request_model: requestModel, gen_ai_response_model: responseModel, server_address: serverAddress, server_port: serverPort, deployment, region };
    case "gen_ai_token_type":
      return { gen_ai_operation_name: "chat", gen_ai_system: system, gen_ai_request_model: requestModel, gen_ai_response_model: responseModel, server_address: serverAddress, server_port: serverPort, deployment, region, gen_ai_token_type: extraValue };
    case "error_type":
      return { gen_ai_operation_name: "chat", gen_ai_system: system, gen_ai_request_model: requestModel, gen_ai_response_model: responseModel, server_address: serverAddress, server_port: serverPort, deployment, region, error_type: extraValue };
  }
}
