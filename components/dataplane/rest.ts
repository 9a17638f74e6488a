/**
 * A small typed REST core for the DPS service API and the IoT Hub registry, on Node's global
 * `fetch`. No Pulumi import and no module-level state, so the dynamic providers that use it
 * survive `pulumi.runtime.serializeFunction`.
 *
 * - SAS token from the shared access policy, fresh for every attempt (FACTS.md §3, §4).
 * - Retries 429 and 5xx (and network errors) with exponential backoff, honouring `Retry-After`
 *   in seconds or as an HTTP date (RFC 9110 §10.2.3), bounded by `maxAttempts`.
 * - Errors carry status, errorCode, trackingId and the service message, and never the token,
 *   the policy key, or the request body (which may hold symmetric keys).
 */
import { createServiceSasToken } from "./sas";

/** How to reach and authenticate to one DPS instance or IoT hub. */
export interface ServiceConnection {
    /**
     * Service host name: `{dps}.azure-devices-provisioning.net` (DPS service operations host,
     * FACTS.md §3) or `{hub}.azure-devices.net` (FACTS.md §4). Also the SAS resource URI.
     */
    hostName: string;
    /** Shared access policy name (`skn`), e.g. `provisioningserviceowner`, `registryReadWrite`. */
    policyName: string;
    /** Shared access policy key (base64). Secret: never logged or put in an error. */
    policyKey: string;
    /**
     * Base URL overriding `https://{hostName}` (sovereign clouds, private endpoints, tests).
     * The SAS resource URI stays `hostName`.
     */
    endpoint?: string;
}

/** Tuning and test seams for {@link RestClient}. */
export interface RestOptions {
    /** Total attempts per request, first included (default 5). */
    maxAttempts?: number;
    /** Backoff before retry n (1-based) is `baseDelayMs * 2^(n-1)`, capped (default 1000). */
    baseDelayMs?: number;
    /** Cap for computed backoff and for `Retry-After` (default 60000). */
    maxDelayMs?: number;
    /** Per-attempt timeout (default 30000). */
    timeoutMs?: number;
    /** Token lifetime in seconds (default 3600). */
    sasTtlSeconds?: number;
    /** Sleep used between attempts (tests inject a recorder). */
    sleep?: (ms: number) => Promise<void>;
    /** Clock in ms since the epoch (for tokens and HTTP-date `Retry-After`). */
    now?: () => number;
}

/** What one service call asks for. */
export interface RestRequest {
    method: "GET" | "PUT" | "DELETE";
    /** Path below the endpoint, already encoded, e.g. `/enrollmentGroups/abc`. */
    path: string;
    apiVersion: string;
    /** Human description for errors, e.g. `PUT enrollment group 'abc'`. */
    operation: string;
    body?: unknown;
    ifMatch?: string;
    /** Further values to scrub from any error text (e.g. symmetric keys in the body). */
    redact?: Array<string | undefined>;
}

/** A response the caller must interpret (2xx, or a 404 the caller asked to see). */
export interface RestResponse {
    status: number;
    body: unknown;
}

/**
 * A failed data-plane call. The message holds no token, key or request body.
 *
 * Deliberately NOT a subclass of Error: `serializeFunction` rewrites `super(...)` calls, and a
 * serialized `class X extends Error` then builds errors without a message (seen in
 * test/dataplane/serialization.test.ts). So errors are plain `Error`s with these fields added,
 * made by {@link dataPlaneError} and recognised by {@link isDataPlaneError}.
 */
export interface DataPlaneError extends Error {
    name: "DataPlaneError";
    /** HTTP status, or 0 when no response arrived. */
    status: number;
    /** Service error code (`x-ms-error-code`, `iothub-errorcode`, or from the body). */
    errorCode?: string;
    /** Service tracking ID, for Azure support. */
    trackingId?: string;
    /** The operation, e.g. `PUT enrollment group 'g1'`. */
    operation: string;
}

/** Makes a {@link DataPlaneError}. */
export function dataPlaneError(
    message: string,
    status: number,
    errorCode: string | undefined,
    trackingId: string | undefined,
    operation: string,
): DataPlaneError {
    const err = new Error(message) as DataPlaneError;
    err.name = "DataPlaneError";
    err.status = status;
    err.errorCode = errorCode;
    err.trackingId = trackingId;
    err.operation = operation;
    return err;
}

/** True for errors made by {@link dataPlaneError} (works across serialized copies). */
export function isDataPlaneError(err: unknown): err is DataPlaneError {
    return (
        err instanceof Error &&
        err.name === "DataPlaneError" &&
        typeof (err as Partial<DataPlaneError>).status === "number"
    );
}

/**
 * Delay in ms asked for by a `Retry-After` value: delta-seconds or an HTTP date.
 * Undefined when absent or unparseable; never negative.
 */
export function parseRetryAfter(
    value: string | null | undefined,
    nowMs: number,
): number | undefined {
    if (value === null || value === undefined || value.trim() === "") {
        return undefined;
    }
    const trimmed = value.trim();
    if (/^\d+$/.test(trimmed)) {
        return Number(trimmed) * 1000;
    }
    const date = Date.parse(trimmed);
    if (Number.isNaN(date)) {
        return undefined;
    }
    return Math.max(0, date - nowMs);
}

/** True for statuses worth retrying: throttling and server errors. */
export function isRetryableStatus(status: number): boolean {
    return status === 429 || (status >= 500 && status <= 599);
}

/** Replaces every occurrence of each secret (and its URL-encoded form) with `***`. */
export function redact(text: string, secrets: Array<string | undefined>): string {
    let out = text;
    for (const secret of secrets) {
        if (secret === undefined || secret.length < 4) {
            continue;
        }
        for (const form of [secret, encodeURIComponent(secret)]) {
            out = out.split(form).join("***");
        }
    }
    return out;
}

/** Pulls errorCode / trackingId / message out of a DPS or IoT Hub error response. */
export function parseServiceError(
    headers: { get(name: string): string | null },
    bodyText: string,
): { errorCode?: string; trackingId?: string; message?: string } {
    let body: Record<string, unknown> = {};
    try {
        const parsed: unknown = JSON.parse(bodyText);
        if (parsed !== null && typeof parsed === "object") {
            body = parsed as Record<string, unknown>;
        }
    } catch {
        // Not JSON: keep only a short prefix of the text as the message.
    }
    const str = (v: unknown): string | undefined =>
        typeof v === "string" || typeof v === "number" ? String(v) : undefined;
    // DPS: ProvisioningServiceErrorDetails {errorCode, trackingId, message} (FACTS.md §3).
    // IoT Hub: {Message: "ErrorCode:X;text", ExceptionMessage: "Tracking ID:…-G:…"}.
    const hubMessage = str(body.Message);
    const hubCode = hubMessage?.match(/^ErrorCode:([^;]+);/)?.[1];
    const hubTracking = str(body.ExceptionMessage)?.match(/Tracking ID:\s*([^\s-]+)/)?.[1];
    const errorCode =
        headers.get("x-ms-error-code") ??
        headers.get("iothub-errorcode") ??
        str(body.errorCode) ??
        hubCode;
    const trackingId =
        str(body.trackingId) ?? hubTracking ?? headers.get("x-ms-request-id") ?? undefined;
    const message =
        str(body.message) ??
        (hubMessage !== undefined ? hubMessage.replace(/^ErrorCode:[^;]+;/, "") : undefined) ??
        (bodyText.length > 0 ? bodyText.slice(0, 300) : undefined);
    return { errorCode: errorCode ?? undefined, trackingId, message };
}

/** One authenticated, retrying connection to a service. */
export class RestClient {
    private readonly baseUrl: string;

    constructor(
        private readonly connection: ServiceConnection,
        private readonly options: RestOptions = {},
    ) {
        const endpoint = connection.endpoint ?? `https://${connection.hostName}`;
        this.baseUrl = endpoint.replace(/\/+$/, "");
    }

    /**
     * Sends `request`, retrying transient failures. Resolves with 2xx responses, and with 404
     * when `allow404` (the callers turn it into "missing"); rejects with {@link DataPlaneError}.
     */
    async send(request: RestRequest, allow404 = false): Promise<RestResponse> {
        const maxAttempts = Math.max(1, this.options.maxAttempts ?? 5);
        const baseDelayMs = this.options.baseDelayMs ?? 1000;
        const maxDelayMs = this.options.maxDelayMs ?? 60000;
        const timeoutMs = this.options.timeoutMs ?? 30000;
        const sleep =
            this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
        const now = this.options.now ?? (() => Date.now());
        const secrets = [this.connection.policyKey, ...(request.redact ?? [])];
        const url =
            `${this.baseUrl}${request.path}` +
            `?api-version=${encodeURIComponent(request.apiVersion)}`;
        const payload = request.body === undefined ? undefined : JSON.stringify(request.body);

        for (let attempt = 1; ; attempt++) {
            const token = createServiceSasToken(
                this.connection.hostName,
                this.connection.policyName,
                this.connection.policyKey,
                now(),
                this.options.sasTtlSeconds,
            );
            secrets.push(token);
            const headers: Record<string, string> = {
                Authorization: token,
                Accept: "application/json",
            };
            if (payload !== undefined) {
                headers["Content-Type"] = "application/json; charset=utf-8";
            }
            if (request.ifMatch !== undefined) {
                headers["If-Match"] = request.ifMatch;
            }
            let response: Response;
            try {
                response = await fetch(url, {
                    method: request.method,
                    headers,
                    body: payload,
                    signal: AbortSignal.timeout(timeoutMs),
                });
            } catch (err) {
                // Network error or timeout: transient unless we are out of attempts. The cause's
                // message comes from undici (no headers or body in it), still redacted.
                if (attempt < maxAttempts) {
                    await sleep(Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)));
                    continue;
                }
                const cause = redact(String((err as Error)?.message ?? err), secrets);
                throw dataPlaneError(
                    `${request.operation} failed after ${attempt} attempt(s): ${cause}`,
                    0,
                    undefined,
                    undefined,
                    request.operation,
                );
            }
            const text = await response.text();
            if (response.ok || (allow404 && response.status === 404)) {
                let body: unknown = undefined;
                if (text.length > 0) {
                    try {
                        body = JSON.parse(text);
                    } catch {
                        throw dataPlaneError(
                            `${request.operation}: HTTP ${response.status} with a body that is not JSON`,
                            response.status,
                            undefined,
                            undefined,
                            request.operation,
                        );
                    }
                }
                return { status: response.status, body };
            }
            if (isRetryableStatus(response.status) && attempt < maxAttempts) {
                const asked = parseRetryAfter(response.headers.get("retry-after"), now());
                const backoff = baseDelayMs * 2 ** (attempt - 1);
                await sleep(Math.min(maxDelayMs, asked ?? backoff));
                continue;
            }
            const detail = parseServiceError(response.headers, text);
            const parts = [`${request.operation} failed: HTTP ${response.status}`];
            if (detail.errorCode !== undefined) {
                parts.push(` ${detail.errorCode}`);
            }
            if (detail.message !== undefined) {
                parts.push(`: ${detail.message}`);
            }
            if (detail.trackingId !== undefined) {
                parts.push(` (tracking ID ${detail.trackingId})`);
            }
            if (attempt > 1) {
                parts.push(` after ${attempt} attempts`);
            }
            throw dataPlaneError(
                redact(parts.join(""), secrets),
                response.status,
                detail.errorCode,
                detail.trackingId,
                request.operation,
            );
        }
    }
}
