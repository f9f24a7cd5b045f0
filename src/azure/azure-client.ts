import type { JsonObject } from "@bufbuild/protobuf";
import { Readable } from "node:stream";
import { Agent, type Dispatcher } from "undici";
import { toAbortSignal, type CancelSignal } from "../cancel/index.js";
import { GatewayError } from "../errors/index.js";
import { authHeaders } from "./auth-headers.js";
import { AzureChunkStream } from "./azure-chunk-stream.js";
import { azureResponseError } from "./azure-error.js";
import type { AzureTarget } from "./azure-target.js";
import { chatCompletionsBody, chatCompletionsUrl } from "./chat-completions-request.js";
import type { EndpointAllowlist } from "./endpoint-allowlist.js";
import { isJsonObject } from "./json-object.js";
import { networkError, type RequestPhase } from "./network-error.js";
import { firstHeader } from "./response-headers.js";
import { upstreamMeta, type UpstreamMeta } from "./upstream-meta.js";
import { requestWhole, type WholeResponse, type WholeResponseFailure } from "./whole-response.js";

export interface AzureClientOptions {
  /** Longest wait for a TCP + TLS connection to Azure, in ms. Default 10_000. */
  connectTimeoutMs?: number;
  /**
   * Longest wait from sending the request to Azure's response headers, in ms. Azure sends a
   * non-streamed completion's headers only once it is generated, so this bounds those. Default 60_000.
   */
  firstByteTimeoutMs?: number;
  /**
   * Longest silence between two pieces of a response body (stream or not), in ms. Default 30_000.
   * undici checks this and firstByteTimeoutMs on a coarse clock, so they may fire up to ~1 s late.
   */
  streamIdleTimeoutMs?: number;
  /** Most simultaneous connections to one Azure origin; more requests wait. Default: no limit. */
  maxConnectionsPerEndpoint?: number;
  /**
   * How long an idle connection stays open for reuse, in ms, unless Azure's keep-alive hint says
   * less. Keep it below Azure's own idle timeout, or a reused socket may already be closed. Default 30_000.
   */
  keepAliveTimeoutMs?: number;
  /** The longest Retry-After passed on for 429/5xx answers, in ms; Azure can ask for a day. Default 60_000. */
  maxRetryAfterMs?: number;
  /** Largest non-streamed response body, and largest single stream event, in bytes. Default 16 MiB. */
  maxResponseBytes?: number;
  /** When set, every target's endpoint must pass it before a connection is made. Default: none. */
  endpointAllowlist?: EndpointAllowlist;
  /** Clock in epoch ms, for Retry-After given as an HTTP date. Default Date.now. */
  now?: () => number;
}

interface ResolvedOptions {
  readonly firstByteTimeoutMs: number;
  readonly streamIdleTimeoutMs: number;
  readonly maxRetryAfterMs: number;
  readonly maxResponseBytes: number;
  readonly endpointAllowlist: EndpointAllowlist | undefined;
  readonly now: () => number;
}

/** Timeouts for one request, overriding the client's own (a pool route can set its own). */
export interface RequestTimeouts {
  /** As the client option firstByteTimeoutMs, for this request. */
  readonly firstByteTimeoutMs?: number;
  /** As the client option streamIdleTimeoutMs, for this request. */
  readonly streamIdleTimeoutMs?: number;
}

/** Per-request options: timeouts, and what telemetry adds to and learns from the request. */
export interface RequestOptions extends RequestTimeouts {
  /**
   * Extra request headers, such as W3C `traceparent`. They cannot replace the gateway's own
   * (content type, accept, auth).
   */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Told of Azure's answer as soon as its headers arrive, error statuses included. */
  readonly onResponse?: ((meta: UpstreamMeta) => void) | undefined;
}

type ResponseData = Dispatcher.ResponseData;

/** Where a target's requests go, worked out once per target rather than once per request. */
interface Destination {
  /** What it was worked out from; a target changed since is worked out again. */
  readonly endpointUrl: string;
  readonly deployment: string;
  readonly apiVersion: string;
  readonly origin: string;
  /** Path and query. */
  readonly path: string;
}

// Error bodies are small JSON; reading more would only delay the error.
const MAX_ERROR_BODY_BYTES = 64 * 1024;
const EVENT_STREAM = "text/event-stream";
/** Stream request bodies past this many characters are sent so that undici does not keep them. */
const HELD_BODY_CHARS = 16 * 1024;

/**
 * The Azure OpenAI chat completions adapter: builds the URL and auth, sends the request over one
 * keep-alive pool per Azure origin, and turns every failure into a GatewayError. It never adds
 * request fields the caller did not send.
 */
export class AzureClient {
  readonly #options: ResolvedOptions;
  readonly #agent: Agent;
  readonly #destinations = new WeakMap<AzureTarget, Destination>();

  constructor(options: AzureClientOptions = {}) {
    const firstByteTimeoutMs = positive("firstByteTimeoutMs", options.firstByteTimeoutMs, 60_000);
    const streamIdleTimeoutMs = positive("streamIdleTimeoutMs", options.streamIdleTimeoutMs, 30_000);
    const keepAliveTimeoutMs = positive("keepAliveTimeoutMs", options.keepAliveTimeoutMs, 30_000);
    this.#options = {
      firstByteTimeoutMs,
      streamIdleTimeoutMs,
      maxRetryAfterMs: nonNegative("maxRetryAfterMs", options.maxRetryAfterMs, 60_000),
      maxResponseBytes: positive("maxResponseBytes", options.maxResponseBytes, 16 * 1024 * 1024),
      endpointAllowlist: options.endpointAllowlist,
      now: options.now ?? Date.now,
    };
    const connections = options.maxConnectionsPerEndpoint;
    if (connections !== undefined && !(Number.isInteger(connections) && connections > 0)) {
      throw new Error(`AzureClient option maxConnectionsPerEndpoint must be a positive integer, got ${connections}.`);
    }
    this.#agent = new Agent({
      connect: { timeout: positive("connectTimeoutMs", options.connectTimeoutMs, 10_000) },
      headersTimeout: firstByteTimeoutMs,
      bodyTimeout: streamIdleTimeoutMs,
      keepAliveTimeout: keepAliveTimeoutMs,
      keepAliveMaxTimeout: keepAliveTimeoutMs,
      ...(connections !== undefined && { connections }),
    });
  }

  /** One non-streamed chat completion. */
  async complete(
    target: AzureTarget,
    body: JsonObject,
    signal: CancelSignal,
    options: RequestOptions = {},
  ): Promise<{ body: JsonObject; meta: UpstreamMeta }> {
    const request = await this.#request(target, body, signal, "application/json", options);
    let meta: UpstreamMeta | undefined;
    let response: WholeResponse;
    try {
      response = await requestWhole(this.#agent, request, {
        signal,
        maxBytes: this.#options.maxResponseBytes,
        maxErrorBytes: MAX_ERROR_BODY_BYTES,
        tooLarge,
        onResponseStart: (status, headers) => {
          meta = upstreamMeta(status, headers);
          options.onResponse?.(meta);
        },
      });
    } catch (error) {
      const failure = error as WholeResponseFailure;
      throw this.#failure(failure.cause, signal, failure.phase);
    }
    const { statusCode, headers } = response;
    const text = response.body?.toString("utf8");
    if (statusCode < 200 || statusCode > 299) {
      throw azureResponseError(
        { status: statusCode, body: errorBodyFrom(text), headers, deployment: target.deployment },
        { maxRetryAfterMs: this.#options.maxRetryAfterMs, nowMs: this.#options.now() },
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text!);
    } catch (cause) {
      throw new GatewayError("upstream_error", "Azure OpenAI answered with a body that is not valid JSON.", {
        cause,
      });
    }
    if (!isJsonObject(parsed)) {
      throw new GatewayError("upstream_error", "Azure OpenAI answered with a body that is not a JSON object.");
    }
    return { body: parsed, meta: meta! };
  }

  /**
   * One streamed chat completion; `body` is sent as given, so the caller sets `stream: true` (and
   * `stream_options`). Resolves once Azure answered 2xx with an event stream, and throws before
   * yielding anything otherwise, so the caller can still fail over. See AzureChunkStream for how
   * the iterable ends.
   */
  async openStream(
    target: AzureTarget,
    body: JsonObject,
    signal: CancelSignal,
    options: RequestOptions = {},
  ): Promise<{ chunks: AsyncIterable<JsonObject>; meta: UpstreamMeta }> {
    const { response, meta } = await this.#send(target, body, signal, EVENT_STREAM, options);
    const contentType = firstHeader(response.headers, "content-type") ?? "";
    if (!contentType.toLowerCase().startsWith("text/event-stream")) {
      await this.#readBody(response, signal, MAX_ERROR_BODY_BYTES).catch(() => undefined);
      throw new GatewayError(
        "upstream_error",
        "Azure OpenAI answered a streaming request without an event stream.",
        { cause: { status: response.statusCode, contentType } },
      );
    }
    const chunks = new AzureChunkStream(response.body, {
      signal,
      maxEventLength: this.#options.maxResponseBytes,
    });
    return { chunks, meta };
  }

  /**
   * Ends every connection. Requests still in flight fail (upstream_unavailable before Azure
   * answered, upstream_error mid-response): this is for shutdown, after the gateway's own server has
   * drained, when a request still running has nobody left to answer (a graceful close could wait on
   * it forever).
   */
  async close(): Promise<void> {
    await this.#agent.destroy();
  }

  /** Sends the request; resolves with a 2xx response, or throws the mapped GatewayError. */
  async #send(
    target: AzureTarget,
    body: JsonObject,
    signal: CancelSignal,
    accept: string,
    options: RequestOptions,
  ): Promise<{ response: ResponseData; meta: UpstreamMeta }> {
    const request = await this.#request(target, body, signal, accept, options);
    let response: ResponseData;
    try {
      response = await this.#agent.request({ ...request, signal: toAbortSignal(signal) });
    } catch (error) {
      throw this.#failure(error, signal, "awaiting_response");
    }
    const meta = upstreamMeta(response.statusCode, response.headers);
    options.onResponse?.(meta);
    if (response.statusCode >= 200 && response.statusCode <= 299) return { response, meta };
    const errorBody = await this.#readErrorBody(response, signal);
    throw azureResponseError(
      { status: response.statusCode, body: errorBody, headers: response.headers, deployment: target.deployment },
      { maxRetryAfterMs: this.#options.maxRetryAfterMs, nowMs: this.#options.now() },
    );
  }

  /**
   * What to send Azure: where, the body, the auth and other headers, and the timeouts. Throws
   * request_canceled, sending nothing, when the caller has already gone.
   */
  async #request(
    target: AzureTarget,
    body: JsonObject,
    signal: CancelSignal,
    accept: string,
    options: RequestOptions,
  ): Promise<Dispatcher.DispatchOptions> {
    if (signal.aborted) throw canceled(signal);
    const { origin, path } = this.#destination(target);
    const payload = chatCompletionsBody(target, body);
    const auth = await authHeaders(target.auth, signal);
    // Without extra headers (most requests), no literal after a spread: on Node 20 that takes a slow path.
    const headers: Record<string, string> =
      options.headers === undefined
        ? { "content-type": "application/json", accept, ...auth }
        : { ...options.headers, "content-type": "application/json", accept, ...auth };
    // undici keeps a string or Buffer body until the response ends, and a stream's may last minutes:
    // a large one goes as a stream, which lets go of it once sent. A small one is not worth the
    // second socket write that costs.
    const heldBody = accept === EVENT_STREAM && payload.length > HELD_BODY_CHARS;
    if (heldBody) headers["content-length"] = String(Buffer.byteLength(payload));
    // Origin and path apart: undici would parse a URL again for each request.
    return {
      origin,
      path,
      method: "POST",
      headers,
      body: heldBody ? sentOnce(Buffer.from(payload)) : payload,
      headersTimeout: options.firstByteTimeoutMs ?? this.#options.firstByteTimeoutMs,
      bodyTimeout: options.streamIdleTimeoutMs ?? this.#options.streamIdleTimeoutMs,
    };
  }

  /** The target's origin and path; the allowlist (when set) is asked once per target too. */
  #destination(target: AzureTarget): Destination {
    const { endpointUrl, deployment, apiVersion } = target;
    const known = this.#destinations.get(target);
    if (known !== undefined && known.endpointUrl === endpointUrl && known.deployment === deployment && known.apiVersion === apiVersion) {
      return known;
    }
    this.#options.endpointAllowlist?.check(endpointUrl);
    const url = new URL(chatCompletionsUrl(target));
    const destination = { endpointUrl, deployment, apiVersion, origin: url.origin, path: `${url.pathname}${url.search}` };
    this.#destinations.set(target, destination);
    return destination;
  }

  async #readBody(response: ResponseData, signal: CancelSignal, maxBytes: number): Promise<string> {
    const declared = Number(firstHeader(response.headers, "content-length"));
    if (Number.isSafeInteger(declared) && declared >= 0) {
      // The length is known, and undici never delivers more than it: read it whole in one go.
      try {
        if (declared > maxBytes) throw tooLarge();
        return await response.body.text();
      } catch (error) {
        // Destroying the body aborts the request, rather than reading what will not be used; its
        // own error event says only that, and must not go unhandled.
        response.body.on("error", () => {}).destroy();
        throw this.#failure(error, signal, "reading_body");
      }
    }
    const pieces: Buffer[] = [];
    let size = 0;
    try {
      // Leaving this loop early (by throwing) destroys the body, which aborts the request.
      for await (const piece of response.body as AsyncIterable<Buffer>) {
        size += piece.byteLength;
        if (size > maxBytes) throw tooLarge();
        pieces.push(piece);
      }
    } catch (error) {
      throw this.#failure(error, signal, "reading_body");
    }
    return Buffer.concat(pieces).toString("utf8");
  }

  /** Azure's parsed error body; the raw text if it is not JSON; undefined if it could not be read. */
  async #readErrorBody(response: ResponseData, signal: CancelSignal): Promise<unknown> {
    let text: string;
    try {
      text = await this.#readBody(response, signal, MAX_ERROR_BODY_BYTES);
    } catch (error) {
      // The status alone says enough, unless the caller is gone.
      if (error instanceof GatewayError && error.code === "request_canceled") throw error;
      return undefined;
    }
    return errorBodyFrom(text);
  }

  #failure(error: unknown, signal: CancelSignal, phase: RequestPhase): GatewayError {
    return signal.aborted ? canceled(signal) : networkError(error, phase);
  }
}

/** A stream of one piece, which holds the body no longer than until undici has read it. */
function sentOnce(body: Buffer): Readable {
  const stream = new Readable({ read: ignore });
  stream.push(body);
  stream.push(null);
  return stream;
}

function ignore(): void {}

/** Azure's parsed error body; the raw text if it is not JSON; undefined if there is none. */
function errorBodyFrom(text: string | undefined): unknown {
  if (text === undefined || text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function tooLarge(): GatewayError {
  return new GatewayError("upstream_error", "Azure OpenAI sent a response larger than the gateway accepts.");
}

function canceled(signal: CancelSignal): GatewayError {
  return new GatewayError("request_canceled", undefined, { cause: signal.reason });
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value > 0)) {
    throw new Error(`AzureClient option ${name} must be a positive finite number, got ${value}.`);
  }
  return value;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new Error(`AzureClient option ${name} must be a finite number of at least 0, got ${value}.`);
  }
  return value;
}
