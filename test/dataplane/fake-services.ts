/**
 * Loopback fakes of the DPS service API and the IoT Hub registry, for the data-plane tests.
 *
 * One HTTP server per service on 127.0.0.1 with an ephemeral port. Each:
 * - checks the SAS token like the services do (FACTS.md §3, §4): `skn` is a known policy,
 *   `sr` is the service host, `se` is in the future, `sig` is the HMAC of `{sr}\n{se}` under
 *   the policy key; otherwise 401;
 * - checks the api-version (DPS 2021-10-01, hub 2021-04-12);
 * - validates request bodies with ajv: DPS against the official spec
 *   (../shared/reference/dps-service-2021-10-01.json), hub against the registry extract;
 *   unknown and read-only properties → 400;
 * - keeps state, issues ETags, answers 412 on a stale If-Match, 404 for a missing item,
 *   N× 429/503 with `Retry-After` on demand, and records every request.
 *
 * Deliberate reading of the spec: every object definition with `properties` and no
 * `additionalProperties` is closed (Azure's convention for its models), and `TwinCollection`'s
 * `additionalProperties: {type: "object"}` is read as AutoRest reads it (any JSON value), since
 * twin tags and desired properties are commonly strings and numbers.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import Ajv, { ValidateFunction } from "ajv";
import addFormats from "ajv-formats";

/** Reference files live beside the repo: <repo>/../shared/reference (CI clones the same way). */
export const REFERENCE_DIR = path.resolve(__dirname, "../../../shared/reference");

/** A recorded request (the Authorization header included, so tests can look for leaks). */
export interface RecordedRequest {
    method: string;
    path: string;
    apiVersion: string | null;
    headers: http.IncomingHttpHeaders;
    body: unknown;
    status: number;
}

type Json = Record<string, unknown>;

function loadJson(file: string): Json {
    return JSON.parse(fs.readFileSync(path.join(REFERENCE_DIR, file), "utf8")) as Json;
}

/** Request-side JSON schema of the DPS spec definitions (closed objects, no read-only props). */
export function dpsRequestDefinitions(side: "request" | "response" = "request"): Json {
    const spec = loadJson("dps-service-2021-10-01.json");
    const defs = JSON.parse(JSON.stringify(spec.definitions)) as Record<string, Json>;
    for (const [name, def] of Object.entries(defs)) {
        const props = def.properties as Record<string, Json> | undefined;
        if (props !== undefined) {
            for (const [p, v] of Object.entries(props)) {
                if (v.readOnly === true && side === "request") {
                    delete props[p];
                }
            }
            if (def.additionalProperties === undefined) {
                def.additionalProperties = false;
            }
        }
        if (name === "TwinCollection") {
            def.additionalProperties = {};
        }
    }
    return defs;
}

/**
 * JSON schema of the registry `Device` built from the extract: property names are the extract's,
 * enums are parsed from its `a | b` texts; the object is closed.
 */
export function hubDeviceSchema(): Json {
    const extract = loadJson("iothub-registry-devices-extract.json");
    const defs = extract.definitions as Record<string, Record<string, unknown>>;
    const enumOf = (text: unknown) =>
        String(text)
            .replace(/\(.*\)/, "")
            .split("|")
            .map((s) => s.trim());
    const auth = defs.AuthenticationMechanism;
    const sym = auth.symmetricKey as Record<string, string>;
    const x509 = auth.x509Thumbprint as Record<string, string>;
    const nullableString = { type: ["string", "null"] };
    const closed = (properties: Json, required: string[] = []): Json => ({
        type: "object",
        additionalProperties: false,
        properties,
        required,
    });
    const device = defs.Device;
    const properties: Json = {};
    for (const [name, text] of Object.entries(device)) {
        const t = String(text);
        if (name === "authentication") {
            properties[name] = closed({
                type: { enum: enumOf(auth.type) },
                symmetricKey: closed(
                    Object.fromEntries(Object.keys(sym).map((k) => [k, nullableString])),
                ),
                x509Thumbprint: closed(
                    Object.fromEntries(Object.keys(x509).map((k) => [k, nullableString])),
                ),
            });
        } else if (name === "capabilities") {
            const caps = defs.DeviceCapabilities;
            properties[name] = closed(
                Object.fromEntries(Object.keys(caps).map((k) => [k, { type: "boolean" }])),
            );
        } else if (name === "deviceId") {
            properties[name] = { type: "string", minLength: 1, maxLength: 128 };
        } else if (t.startsWith("string[]")) {
            properties[name] = { type: "array", items: { type: "string" } };
        } else if (t.startsWith("int32")) {
            properties[name] = { type: "integer" };
        } else if (t.includes("|")) {
            properties[name] = { enum: enumOf(t) };
        } else {
            properties[name] = { type: "string" };
        }
    }
    return closed(properties, ["deviceId"]);
}

function makeAjv(): Ajv {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addFormat("int32", true);
    ajv.addFormat("int64", true);
    return ajv;
}

/** Knobs shared by both fakes. */
export interface FakeServiceOptions {
    /** Service host name the tokens must be scoped to. */
    hostName: string;
    /** Accepted shared access policies: name → base64 key. */
    policies: Record<string, string>;
}

interface Stored {
    body: Json;
    etag: string;
}

/** Base: server, auth, throttling, recording. Subclasses route. */
abstract class FakeService {
    readonly requests: RecordedRequest[] = [];
    private server?: http.Server;
    private throttles: Array<{ status: number; retryAfter?: string }> = [];
    protected readonly ajv = makeAjv();
    protected etagCounter = 0;
    private trackingCounter = 0;
    /** The base URL to pass as `endpoint`. */
    endpoint = "";

    constructor(
        protected readonly options: FakeServiceOptions,
        private readonly apiVersion: string,
    ) {}

    /** Starts listening on 127.0.0.1, ephemeral port. */
    async start(): Promise<this> {
        this.server = http.createServer((req, res) => {
            void this.handle(req, res);
        });
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
        const addr = this.server.address();
        if (addr === null || typeof addr === "string") {
            throw new Error("no port");
        }
        this.endpoint = `http://127.0.0.1:${addr.port}`;
        return this;
    }

    async stop(): Promise<void> {
        const server = this.server;
        if (server === undefined) return;
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
    }

    /** The next `count` requests get `status` (429 by default) with this `Retry-After`. */
    throttleNext(count: number, retryAfter?: string, status = 429): void {
        for (let i = 0; i < count; i++) {
            this.throttles.push({ status, retryAfter });
        }
    }

    /** Requests other than the given method (e.g. to count retries of one call). */
    requestsTo(method: string, pathPrefix: string): RecordedRequest[] {
        return this.requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix));
    }

    protected trackingId(): string {
        this.trackingCounter++;
        return `fake${this.trackingCounter.toString(16).padStart(8, "0")}`;
    }

    protected abstract route(
        method: string,
        path: string,
        headers: http.IncomingHttpHeaders,
        body: unknown,
    ): { status: number; body?: unknown; headers?: Record<string, string> };

    protected abstract errorBody(
        status: number,
        code: string,
        message: string,
    ): { body: unknown; headers: Record<string, string> };

    /** Checks the SAS token; returns a problem or undefined. */
    private authProblem(header: string | undefined): string | undefined {
        if (header === undefined) return "missing Authorization";
        const prefix = "SharedAccessSignature ";
        if (!header.startsWith(prefix)) return "not a SharedAccessSignature";
        const fields = new Map<string, string>();
        for (const part of header.slice(prefix.length).split("&")) {
            const eq = part.indexOf("=");
            if (eq <= 0) return "malformed token";
            fields.set(part.slice(0, eq), part.slice(eq + 1));
        }
        const sr = fields.get("sr");
        const sig = fields.get("sig");
        const se = fields.get("se");
        const skn = fields.get("skn");
        if (!sr || !sig || !se || !skn) return "token lacks sr/sig/se/skn";
        const key = this.options.policies[decodeURIComponent(skn)];
        if (key === undefined) return "unknown policy";
        if (decodeURIComponent(sr).toLowerCase() !== this.options.hostName.toLowerCase()) {
            return "token scoped to another resource";
        }
        if (!/^\d+$/.test(se) || Number(se) * 1000 <= Date.now()) return "token expired";
        const expected = crypto
            .createHmac("sha256", Buffer.from(key, "base64"))
            .update(`${sr}\n${se}`)
            .digest();
        const given = Buffer.from(decodeURIComponent(sig), "base64");
        if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
            return "bad signature";
        }
        return undefined;
    }

    private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const text = Buffer.concat(chunks).toString("utf8");
        const url = new URL(req.url ?? "/", "http://fake");
        let body: unknown = undefined;
        const record: RecordedRequest = {
            method: req.method ?? "",
            path: url.pathname,
            apiVersion: url.searchParams.get("api-version"),
            headers: req.headers,
            body: undefined,
            status: 0,
        };
        this.requests.push(record);
        const send = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
            record.status = status;
            const out = payload === undefined ? "" : JSON.stringify(payload);
            res.writeHead(status, {
                ...headers,
                ...(out ? { "Content-Type": "application/json; charset=utf-8" } : {}),
            });
            res.end(out);
        };
        const fail = (
            status: number,
            code: string,
            message: string,
            extra: Record<string, string> = {},
        ) => {
            const e = this.errorBody(status, code, message);
            send(status, e.body, { ...e.headers, ...extra });
        };
        if (text.length > 0) {
            try {
                body = JSON.parse(text);
                record.body = body;
            } catch {
                fail(400, "BadRequest", "body is not JSON");
                return;
            }
        }
        const throttle = this.throttles.shift();
        if (throttle !== undefined) {
            fail(
                throttle.status,
                throttle.status === 429 ? "ThrottlingException" : "ServiceUnavailable",
                "try later",
                throttle.retryAfter !== undefined ? { "Retry-After": throttle.retryAfter } : {},
            );
            return;
        }
        const authProblem = this.authProblem(req.headers.authorization);
        if (authProblem !== undefined) {
            fail(401, "IotHubUnauthorizedAccess", `Unauthorized: ${authProblem}`);
            return;
        }
        if (record.apiVersion !== this.apiVersion) {
            fail(400, "InvalidApiVersion", `api-version must be ${this.apiVersion}`);
            return;
        }
        const decodedPath = decodeURIComponent(url.pathname);
        let out: ReturnType<FakeService["route"]>;
        try {
            out = this.route(record.method, decodedPath, req.headers, body);
        } catch (e) {
            // A bug in the fake itself: a non-retryable status the tests will notice.
            fail(418, "FakeServiceBug", String((e as Error).message));
            return;
        }
        record.status = out.status;
        send(out.status, out.body, out.headers);
    }

    protected nextEtag(): string {
        this.etagCounter++;
        return this.etagCounter.toString(16).padStart(8, "0");
    }

    protected validationError(validate: ValidateFunction): string {
        return (validate.errors ?? [])
            .map(
                (e) =>
                    `${e.instancePath || "/"} ${e.message}${e.params && "additionalProperty" in e.params ? ` '${String(e.params.additionalProperty)}'` : ""}`,
            )
            .join("; ");
    }
}

/** The kinds of DPS record. */
export type DpsKind = "enrollmentGroups" | "enrollments";

/** Fake DPS service API (`/enrollmentGroups/{id}`, `/enrollments/{id}`). */
export class FakeDps extends FakeService {
    private readonly stores: Record<DpsKind, Map<string, Stored>> = {
        enrollmentGroups: new Map(),
        enrollments: new Map(),
    };
    private readonly validators: Record<DpsKind, ValidateFunction>;

    constructor(options: FakeServiceOptions) {
        super(options, "2021-10-01");
        this.ajv.addSchema({ $id: "dps", definitions: dpsRequestDefinitions() });
        this.validators = {
            enrollmentGroups: this.ajv.compile({ $ref: "dps#/definitions/EnrollmentGroup" }),
            enrollments: this.ajv.compile({ $ref: "dps#/definitions/IndividualEnrollment" }),
        };
        // The fake's own answers must fit the spec too (read-only properties allowed).
        this.ajv.addSchema({ $id: "dps-out", definitions: dpsRequestDefinitions("response") });
        this.responseValidators = {
            enrollmentGroups: this.ajv.compile({ $ref: "dps-out#/definitions/EnrollmentGroup" }),
            enrollments: this.ajv.compile({ $ref: "dps-out#/definitions/IndividualEnrollment" }),
        };
    }

    private readonly responseValidators: Record<DpsKind, ValidateFunction>;

    /** Throws if the fake is about to answer with a body the spec does not allow. */
    private checked(kind: DpsKind, body: Json): Json {
        const validate = this.responseValidators[kind];
        if (!validate(body)) {
            throw new Error(`fake DPS answer breaks the spec: ${this.validationError(validate)}`);
        }
        return body;
    }

    /** The stored record (as the service would return it), or undefined. */
    get(kind: DpsKind, id: string): Json | undefined {
        const s = this.stores[kind].get(id.toLowerCase());
        return s === undefined ? undefined : this.view(s);
    }

    /** Changes a record out of band (new etag), as the portal or another tool would. */
    mutate(kind: DpsKind, id: string, change: (body: Json) => void): void {
        const s = this.stores[kind].get(id.toLowerCase());
        if (s === undefined) throw new Error(`no ${kind} ${id}`);
        change(s.body);
        s.etag = `"${this.nextEtag()}"`;
    }

    /** Removes a record out of band. */
    remove(kind: DpsKind, id: string): void {
        this.stores[kind].delete(id.toLowerCase());
    }

    /** DPS returns the etag in the body with its quotes (what goes back in If-Match verbatim). */
    private view(s: Stored): Json {
        return JSON.parse(JSON.stringify({ ...s.body, etag: s.etag })) as Json;
    }

    protected errorBody(status: number, code: string, message: string) {
        // ProvisioningServiceErrorDetails (spec) + x-ms-error-code header.
        const numeric =
            { 400: 400004, 401: 401002, 404: 404201, 409: 409201, 412: 412002, 429: 429001 }[
                status
            ] ?? status * 1000;
        return {
            body: {
                errorCode: numeric,
                trackingId: this.trackingId(),
                message,
                timestampUtc: new Date().toISOString(),
            },
            headers: { "x-ms-error-code": code },
        };
    }

    protected route(method: string, p: string, headers: http.IncomingHttpHeaders, body: unknown) {
        const m = /^\/(enrollmentGroups|enrollments)\/([^/]+)$/.exec(p);
        const err = (status: number, code: string, message: string) => {
            const e = this.errorBody(status, code, message);
            return { status, body: e.body, headers: e.headers };
        };
        if (m === null) return err(404, "NotFound", `no route ${method} ${p}`);
        const kind = m[1] as DpsKind;
        const id = m[2];
        const store = this.stores[kind];
        const current = store.get(id.toLowerCase());
        const ifMatch = headers["if-match"];
        if (
            ifMatch !== undefined &&
            ifMatch !== "*" &&
            (current === undefined || ifMatch !== current.etag)
        ) {
            if (current !== undefined || method !== "DELETE") {
                return err(412, "PreconditionFailed", "ETag mismatch");
            }
        }
        switch (method) {
            case "GET":
                return current === undefined
                    ? err(404, "NotFound", `${kind} ${id} not found`)
                    : { status: 200, body: this.checked(kind, this.view(current)) };
            case "DELETE":
                if (current === undefined) return err(404, "NotFound", `${kind} ${id} not found`);
                store.delete(id.toLowerCase());
                return { status: 204 };
            case "PUT": {
                const validate = this.validators[kind];
                if (!validate(body))
                    return err(
                        400,
                        "BadRequest",
                        `invalid body: ${this.validationError(validate)}`,
                    );
                const b = JSON.parse(JSON.stringify(body)) as Json;
                const idField =
                    kind === "enrollmentGroups" ? "enrollmentGroupId" : "registrationId";
                if (String(b[idField]).toLowerCase() !== id.toLowerCase())
                    return err(400, "BadRequest", `${idField} does not match the path`);
                const problem = this.completeAttestation(b, current?.body);
                if (problem !== undefined) return err(400, "BadRequest", problem);
                delete b.etag;
                b.capabilities = b.capabilities ?? { iotEdge: false };
                b.provisioningStatus = b.provisioningStatus ?? "enabled";
                b.reprovisionPolicy = b.reprovisionPolicy ?? {
                    updateHubAssignment: true,
                    migrateDeviceData: true,
                };
                const now = new Date().toISOString();
                b.createdDateTimeUtc =
                    (current?.body.createdDateTimeUtc as string | undefined) ?? now;
                b.lastUpdatedDateTimeUtc = now;
                const stored = { body: b, etag: `"${this.nextEtag()}"` };
                store.set(id.toLowerCase(), stored);
                return { status: 200, body: this.checked(kind, this.view(stored)) };
            }
            default:
                return err(405, "MethodNotAllowed", method);
        }
    }

    /** Generates missing symmetric keys; turns PEMs into `info` as DPS reports them. */
    private completeAttestation(b: Json, previous: Json | undefined): string | undefined {
        const att = b.attestation as Json;
        if (att.type === "symmetricKey") {
            const sk = (att.symmetricKey ?? {}) as Json;
            for (const k of ["primaryKey", "secondaryKey"]) {
                if (sk[k] === undefined || sk[k] === null || sk[k] === "") {
                    sk[k] = crypto.randomBytes(64).toString("base64");
                }
                const bytes = Buffer.from(String(sk[k]), "base64");
                if (bytes.toString("base64") !== sk[k] || bytes.length < 16 || bytes.length > 64) {
                    // Echoes the value, as some services do: the client must redact it.
                    return `attestation.symmetricKey.${k} '${String(sk[k])}' must be base64 of 16-64 bytes`;
                }
            }
            att.symmetricKey = sk;
            if (att.x509 !== undefined || att.tpm !== undefined)
                return "attestation carries more than its type";
        } else if (att.type === "x509") {
            const x = (att.x509 ?? {}) as Json;
            const sets = ["signingCertificates", "clientCertificates", "caReferences"].filter(
                (k) => x[k] !== undefined,
            );
            if (sets.length !== 1)
                return "attestation.x509 needs exactly one of signingCertificates, clientCertificates, caReferences";
            for (const setName of ["signingCertificates", "clientCertificates"]) {
                const set = x[setName] as Record<string, Json> | undefined;
                if (set === undefined) continue;
                for (const slot of ["primary", "secondary"]) {
                    const c = set[slot];
                    if (c === undefined) continue;
                    const pem = c.certificate;
                    if (typeof pem !== "string") return `${setName}.${slot}.certificate missing`;
                    let cert: crypto.X509Certificate;
                    try {
                        cert = new crypto.X509Certificate(pem);
                    } catch {
                        return `${setName}.${slot}.certificate is not a PEM certificate`;
                    }
                    // DPS answers with `info` and without the PEM.
                    set[slot] = {
                        info: {
                            subjectName: cert.subject,
                            sha1Thumbprint: cert.fingerprint.replace(/:/g, ""),
                            sha256Thumbprint: cert.fingerprint256.replace(/:/g, ""),
                            issuerName: cert.issuer,
                            notBeforeUtc: new Date(cert.validFrom).toISOString(),
                            notAfterUtc: new Date(cert.validTo).toISOString(),
                            serialNumber: cert.serialNumber,
                            version: 3,
                        },
                    };
                }
            }
        } else if (att.type === "tpm") {
            if (att.tpm === undefined) return "attestation.tpm missing";
        }
        void previous;
        return undefined;
    }
}

/** Fake IoT Hub registry (`/devices/{id}`). */
export class FakeHub extends FakeService {
    private readonly devices = new Map<string, Stored>();
    private readonly validate: ValidateFunction;

    constructor(options: FakeServiceOptions) {
        super(options, "2021-04-12");
        this.validate = this.ajv.compile(hubDeviceSchema());
    }

    /** The stored device as the hub returns it, or undefined. */
    get(id: string): Json | undefined {
        const s = this.devices.get(id);
        return s === undefined ? undefined : this.view(s);
    }

    /** Changes a device out of band (new etag). */
    mutate(id: string, change: (body: Json) => void): void {
        const s = this.devices.get(id);
        if (s === undefined) throw new Error(`no device ${id}`);
        change(s.body);
        s.etag = this.nextHubEtag();
    }

    /** Removes a device out of band. */
    remove(id: string): void {
        this.devices.delete(id);
    }

    private nextHubEtag(): string {
        // The registry's etags are unquoted in bodies (e.g. "MTgwMjA4MjU3").
        return Buffer.from(this.nextEtag()).toString("base64");
    }

    private view(s: Stored): Json {
        return JSON.parse(JSON.stringify({ ...s.body, etag: s.etag })) as Json;
    }

    protected errorBody(status: number, code: string, message: string) {
        return {
            body: {
                Message: `ErrorCode:${code};${message}`,
                ExceptionMessage: `Tracking ID:${this.trackingId()}-G:0-TimeStamp:${new Date().toISOString()}`,
            },
            headers: { "iothub-errorcode": code },
        };
    }

    /** `"<etag>"`, `*` or `"*"`; an unquoted etag is invalid (FACTS.md §4). */
    private ifMatchProblem(ifMatch: string, current: Stored | undefined): string | undefined {
        if (ifMatch === "*" || ifMatch === '"*"') return undefined;
        if (!/^".*"$/.test(ifMatch)) return "Invalid ETag";
        if (current === undefined || ifMatch.slice(1, -1) !== current.etag) return "ETag mismatch";
        return undefined;
    }

    private scopeOwner(scope: string): Stored | undefined {
        for (const s of this.devices.values()) {
            if (
                (s.body.capabilities as Json | undefined)?.iotEdge === true &&
                s.body.deviceScope === scope
            )
                return s;
        }
        return undefined;
    }

    protected route(method: string, p: string, headers: http.IncomingHttpHeaders, body: unknown) {
        const err = (status: number, code: string, message: string) => {
            const e = this.errorBody(status, code, message);
            return { status, body: e.body, headers: e.headers };
        };
        const m = /^\/devices\/([^/]+)$/.exec(p);
        if (m === null) return err(404, "NotFound", `no route ${method} ${p}`);
        const id = m[1];
        const current = this.devices.get(id);
        const ifMatch = headers["if-match"];
        switch (method) {
            case "GET":
                return current === undefined
                    ? err(404, "DeviceNotFound", `Device ${id} not found`)
                    : { status: 200, body: this.view(current) };
            case "DELETE": {
                if (current === undefined)
                    return err(404, "DeviceNotFound", `Device ${id} not found`);
                const problem = this.ifMatchProblem(ifMatch ?? "*", current);
                if (problem !== undefined) return err(412, "PreconditionFailed", problem);
                this.devices.delete(id);
                return { status: 204 };
            }
            case "PUT": {
                if (!this.validate(body))
                    return err(
                        400,
                        "ArgumentInvalid",
                        `invalid body: ${this.validationError(this.validate)}`,
                    );
                const b = JSON.parse(JSON.stringify(body)) as Json;
                if (b.deviceId !== id)
                    return err(400, "ArgumentInvalid", "deviceId does not match the path");
                if (current === undefined && ifMatch !== undefined)
                    return err(404, "DeviceNotFound", `Device ${id} not found`);
                if (current !== undefined) {
                    if (ifMatch === undefined)
                        return err(409, "DeviceAlreadyExists", `Device ${id} already exists`);
                    const problem = this.ifMatchProblem(ifMatch, current);
                    if (problem !== undefined) return err(412, "PreconditionFailed", problem);
                }
                const edge = (b.capabilities as Json | undefined)?.iotEdge === true;
                const generationId =
                    (current?.body.generationId as string | undefined) ??
                    String(Date.now()) + String(this.etagCounter);
                const auth = (b.authentication ?? { type: "sas" }) as Json;
                if (auth.type === "sas") {
                    const sk = (auth.symmetricKey ?? {}) as Json;
                    for (const k of ["primaryKey", "secondaryKey"]) {
                        if (!sk[k]) sk[k] = crypto.randomBytes(32).toString("base64");
                    }
                    auth.symmetricKey = sk;
                }
                b.authentication = auth;
                b.generationId = generationId;
                b.status = b.status ?? "enabled";
                b.connectionState = "Disconnected";
                b.cloudToDeviceMessageCount = 0;
                delete b.etag;
                if (edge) {
                    const own = `ms-azure-iot-edge://${id}-${generationId}`;
                    if (b.deviceScope !== undefined && b.deviceScope !== own) {
                        return err(
                            400,
                            "ArgumentInvalid",
                            "deviceScope of an edge device is immutable",
                        );
                    }
                    b.deviceScope = own;
                    const parents = (b.parentScopes ?? []) as string[];
                    if (parents.length > 1)
                        return err(400, "ArgumentInvalid", "an edge device has at most one parent");
                    for (const scope of parents) {
                        if (this.scopeOwner(scope) === undefined)
                            return err(
                                400,
                                "ArgumentInvalid",
                                `parent scope ${scope} is not an edge device`,
                            );
                    }
                    b.parentScopes = parents;
                } else {
                    if (b.parentScopes !== undefined && (b.parentScopes as string[]).length > 0) {
                        return err(
                            400,
                            "ArgumentInvalid",
                            "parentScopes is only for edge devices; set deviceScope on a leaf",
                        );
                    }
                    if (
                        typeof b.deviceScope === "string" &&
                        b.deviceScope !== "" &&
                        this.scopeOwner(b.deviceScope) === undefined
                    ) {
                        return err(
                            400,
                            "ArgumentInvalid",
                            `deviceScope ${b.deviceScope} is not an edge device's scope`,
                        );
                    }
                    b.parentScopes =
                        typeof b.deviceScope === "string" && b.deviceScope !== ""
                            ? [b.deviceScope]
                            : [];
                }
                const stored = { body: b, etag: this.nextHubEtag() };
                this.devices.set(id, stored);
                return { status: 200, body: this.view(stored) };
            }
            default:
                return err(405, "MethodNotAllowed", method);
        }
    }
}

/** Base64 key of `n` random bytes. */
export function randomKey(n = 32): string {
    return crypto.randomBytes(n).toString("base64");
}

/** Starts a fake DPS with one policy; returns it and the connection to use. */
export async function startFakeDps(hostName = "fleet-dps.azure-devices-provisioning.net") {
    const policyName = "provisioningserviceowner";
    const policyKey = randomKey();
    const dps = await new FakeDps({ hostName, policies: { [policyName]: policyKey } }).start();
    return { dps, connection: { hostName, policyName, policyKey, endpoint: dps.endpoint } };
}

/** Starts a fake hub with one policy; returns it and the connection to use. */
export async function startFakeHub(hostName = "fleet-hub.azure-devices.net") {
    const policyName = "registryReadWrite";
    const policyKey = randomKey();
    const hub = await new FakeHub({ hostName, policies: { [policyName]: policyKey } }).start();
    return { hub, connection: { hostName, policyName, policyKey, endpoint: hub.endpoint } };
}
