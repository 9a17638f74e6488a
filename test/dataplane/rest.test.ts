import * as assert from "assert";
import { DpsClient } from "../../components/dataplane/dps-client";
import { HubRegistryClient } from "../../components/dataplane/hub-client";
import {
    isDataPlaneError,
    parseRetryAfter,
    RestClient,
    RestOptions,
} from "../../components/dataplane/rest";
import { FakeDps, FakeHub, randomKey, startFakeDps, startFakeHub } from "./fake-services";

/** Records the delays the client asks for instead of sleeping. */
function recordingSleep(): { delays: number[]; options: RestOptions } {
    const delays: number[] = [];
    return {
        delays,
        options: {
            sleep: async (ms: number) => {
                delays.push(ms);
            },
            baseDelayMs: 100,
        },
    };
}

const GROUP = {
    enrollmentGroupId: "g1",
    attestation: {
        type: "symmetricKey" as const,
        symmetricKey: { primaryKey: randomKey(), secondaryKey: randomKey() },
    },
    capabilities: { iotEdge: true },
};

describe("parseRetryAfter", () => {
    it("reads delta-seconds and HTTP dates, ignores garbage", () => {
        const now = Date.parse("2026-01-01T00:00:00Z");
        assert.strictEqual(parseRetryAfter("7", now), 7000);
        assert.strictEqual(parseRetryAfter("Thu, 01 Jan 2026 00:00:03 GMT", now), 3000);
        assert.strictEqual(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now), 0);
        assert.strictEqual(parseRetryAfter("soon", now), undefined);
        assert.strictEqual(parseRetryAfter(null, now), undefined);
    });
});

describe("REST clients against the fake services", () => {
    let dps: FakeDps;
    let dpsConn: { hostName: string; policyName: string; policyKey: string; endpoint: string };
    let hub: FakeHub;
    let hubConn: typeof dpsConn;

    beforeEach(async () => {
        ({ dps, connection: dpsConn } = await startFakeDps());
        ({ hub, connection: hubConn } = await startFakeHub());
    });
    afterEach(async () => {
        await dps.stop();
        await hub.stop();
    });

    it("authenticates with a SAS token for the DPS host, api-version 2021-10-01", async () => {
        const client = new DpsClient(dpsConn);
        const created = await client.putEnrollmentGroup(GROUP);
        assert.strictEqual(created.enrollmentGroupId, "g1");
        const req = dps.requests[0];
        assert.strictEqual(req.apiVersion, "2021-10-01");
        assert.match(
            String(req.headers.authorization),
            /^SharedAccessSignature sr=fleet-dps\.azure-devices-provisioning\.net&sig=[^&]+&se=\d+&skn=provisioningserviceowner$/,
        );
        assert.strictEqual(req.status, 200);
    });

    it("gets 401 with a wrong key, and the error carries status/code but no key or token", async () => {
        const wrong = randomKey();
        const client = new DpsClient({ ...dpsConn, policyKey: wrong });
        const err = await client.getEnrollmentGroup("g1").then(
            () => assert.fail("should have failed"),
            (e: unknown) => e,
        );
        assert.ok(isDataPlaneError(err));
        assert.strictEqual(err.status, 401);
        assert.strictEqual(err.errorCode, "IotHubUnauthorizedAccess");
        assert.match(err.trackingId ?? "", /^fake/);
        const token = String(dps.requests[0].headers.authorization);
        const sig = /sig=([^&]+)/.exec(token)![1];
        for (const secret of [wrong, token, sig, decodeURIComponent(sig)]) {
            assert.ok(!err.message.includes(secret), "error leaks a secret");
            assert.ok(!JSON.stringify(err).includes(secret), "error fields leak a secret");
        }
    });

    it("rejects a token signed for another host, or expired", async () => {
        const other = new DpsClient({
            ...dpsConn,
            hostName: "other.azure-devices-provisioning.net",
        });
        await assert.rejects(
            other.getEnrollmentGroup("g1"),
            (e: unknown) => isDataPlaneError(e) && e.status === 401,
        );
        const expired = new DpsClient(dpsConn, { now: () => Date.now() - 7200_000 });
        await assert.rejects(expired.getEnrollmentGroup("g1"), /token expired/);
    });

    it("does not leak symmetric keys from a rejected body into the error", async () => {
        const client = new DpsClient(dpsConn);
        const bad = {
            ...GROUP,
            attestation: {
                type: "symmetricKey" as const,
                symmetricKey: {
                    primaryKey: "c2hvcnQ=",
                    secondaryKey: GROUP.attestation.symmetricKey.secondaryKey,
                },
            },
        };
        const err = await client.putEnrollmentGroup(bad).then(
            () => assert.fail("accepted"),
            (e: Error) => e,
        );
        assert.match(err.message, /HTTP 400.*primaryKey '\*\*\*' must be base64/);
        assert.ok(!err.message.includes("c2hvcnQ="), "the service echoed the key; we must not");
        assert.ok(!err.message.includes(GROUP.attestation.symmetricKey.secondaryKey));
    });

    it("retries 429 honouring Retry-After seconds, with a fresh token per attempt", async () => {
        const { delays, options } = recordingSleep();
        let clock = Date.now();
        const client = new DpsClient(dpsConn, { ...options, now: () => (clock += 5000) });
        dps.throttleNext(2, "3");
        const created = await client.putEnrollmentGroup(GROUP);
        assert.strictEqual(created.enrollmentGroupId, "g1");
        const puts = dps.requestsTo("PUT", "/enrollmentGroups/g1");
        assert.deepStrictEqual(
            puts.map((r) => r.status),
            [429, 429, 200],
        );
        assert.deepStrictEqual(delays, [3000, 3000]);
        const tokens = new Set(puts.map((r) => r.headers.authorization));
        assert.strictEqual(tokens.size, 3, "token regenerated for every attempt");
    });

    it("honours Retry-After as an HTTP date, and backs off exponentially without it", async () => {
        const { delays, options } = recordingSleep();
        const now = Math.floor(Date.now() / 1000) * 1000;
        const client = new HubRegistryClient(hubConn, { ...options, now: () => now });
        hub.throttleNext(1, new Date(now + 2000).toUTCString());
        hub.throttleNext(2, undefined, 503);
        assert.strictEqual(await client.getDevice("missing"), undefined);
        assert.strictEqual(delays.length, 3);
        assert.deepStrictEqual(delays, [2000, 200, 400]);
    });

    it("gives up after maxAttempts with the last status", async () => {
        const { delays, options } = recordingSleep();
        const client = new DpsClient(dpsConn, { ...options, maxAttempts: 3 });
        dps.throttleNext(5, "1");
        const err = await client.getEnrollmentGroup("g1").then(
            () => assert.fail("no error"),
            (e: unknown) => e,
        );
        assert.ok(isDataPlaneError(err));
        assert.strictEqual(err.status, 429);
        assert.match(err.message, /after 3 attempts/);
        assert.strictEqual(dps.requests.length, 3);
        assert.strictEqual(delays.length, 2);
    });

    it("retries network errors too (nothing listening), bounded", async () => {
        const { delays, options } = recordingSleep();
        await dps.stop();
        const client = new DpsClient(dpsConn, { ...options, maxAttempts: 2 });
        await assert.rejects(
            client.getEnrollmentGroup("g1"),
            (e: unknown) => isDataPlaneError(e) && e.status === 0,
        );
        assert.deepStrictEqual(delays, [100]);
    });

    it("DPS: 404 → undefined, If-Match sent verbatim, 412 when stale, delete of a missing item succeeds", async () => {
        const client = new DpsClient(dpsConn);
        assert.strictEqual(await client.getEnrollmentGroup("g1"), undefined);
        const created = await client.putEnrollmentGroup(GROUP);
        assert.match(created.etag ?? "", /^".+"$/, "DPS etags carry their quotes");
        const updated = await client.putEnrollmentGroup(
            { ...GROUP, capabilities: { iotEdge: false } },
            created.etag,
        );
        assert.strictEqual(dps.requests.at(-1)?.headers["if-match"], created.etag);
        await assert.rejects(
            client.putEnrollmentGroup(GROUP, created.etag),
            (e: unknown) => isDataPlaneError(e) && e.status === 412,
        );
        await assert.rejects(client.deleteEnrollmentGroup("g1", created.etag), /HTTP 412/);
        await client.deleteEnrollmentGroup("g1", updated.etag);
        assert.strictEqual(dps.get("enrollmentGroups", "g1"), undefined);
        await client.deleteEnrollmentGroup("g1", updated.etag);
        await client.deleteIndividualEnrollment("nobody");
    });

    it("hub: quotes the etag in If-Match, 412 when stale, 409 on create over an existing device", async () => {
        const client = new HubRegistryClient(hubConn);
        const created = await client.putDevice({
            deviceId: "d1",
            status: "enabled",
            capabilities: { iotEdge: false },
            authentication: { type: "sas" },
        });
        assert.ok(created.etag && !created.etag.startsWith('"'));
        assert.ok(created.authentication?.symmetricKey?.primaryKey, "hub generated keys");
        const disabled = await client.putDevice({ ...created, status: "disabled" }, created.etag);
        assert.strictEqual(hub.requests.at(-1)?.headers["if-match"], `"${created.etag}"`);
        assert.strictEqual(disabled.status, "disabled");
        await assert.rejects(
            client.putDevice({ deviceId: "d1" }),
            (e: unknown) =>
                isDataPlaneError(e) && e.status === 409 && e.errorCode === "DeviceAlreadyExists",
        );
        await assert.rejects(
            client.deleteDevice("d1", created.etag),
            (e: unknown) => isDataPlaneError(e) && e.status === 412,
        );
        await client.deleteDevice("d1", disabled.etag);
        await client.deleteDevice("d1", disabled.etag);
        await client.deleteDevice("never");
        assert.strictEqual(hub.requests.at(-1)?.headers["if-match"], '"*"');
    });

    it("the fake hub rejects an unquoted If-Match, as the real one does (FACTS.md §4)", async () => {
        const client = new HubRegistryClient(hubConn);
        const created = await client.putDevice({
            deviceId: "d2",
            authentication: { type: "none" },
        });
        const raw = new RestClient(hubConn);
        await assert.rejects(
            raw.send({
                method: "PUT",
                path: "/devices/d2",
                apiVersion: "2021-04-12",
                operation: "raw",
                body: { deviceId: "d2" },
                ifMatch: created.etag,
            }),
            /Invalid ETag/,
        );
    });

    it("the fakes answer 400 for bodies with properties the spec does not allow", async () => {
        const raw = new RestClient(dpsConn);
        await assert.rejects(
            raw.send({
                method: "PUT",
                path: "/enrollmentGroups/g1",
                apiVersion: "2021-10-01",
                operation: "raw",
                body: { ...GROUP, colour: "blue" },
            }),
            /HTTP 400.*additional properties 'colour'/,
        );
        await assert.rejects(
            raw.send({
                method: "PUT",
                path: "/enrollmentGroups/g1",
                apiVersion: "2021-10-01",
                operation: "raw",
                body: { ...GROUP, createdDateTimeUtc: "2020-01-01T00:00:00Z" },
            }),
            /HTTP 400.*createdDateTimeUtc/,
        );
        await assert.rejects(
            raw.send({
                method: "PUT",
                path: "/enrollmentGroups/g1",
                apiVersion: "2021-10-01",
                operation: "raw",
                body: { ...GROUP, reprovisionPolicy: { updateHubAssignment: true } },
            }),
            /HTTP 400.*migrateDeviceData/,
        );
        const hubRaw = new RestClient(hubConn);
        await assert.rejects(
            hubRaw.send({
                method: "PUT",
                path: "/devices/d9",
                apiVersion: "2021-04-12",
                operation: "raw",
                body: { deviceId: "d9", capabilities: { iotEdge: true, gateway: true } },
            }),
            /HTTP 400.*gateway/,
        );
        await assert.rejects(
            hubRaw.send({
                method: "GET",
                path: "/devices/d9",
                apiVersion: "2020-03-13",
                operation: "raw",
            }),
            /HTTP 400/,
        );
    });

    it("uses https://{hostName} when no endpoint is given", async () => {
        const seen: string[] = [];
        const realFetch = globalThis.fetch;
        globalThis.fetch = (async (url: string) => {
            seen.push(String(url));
            return new Response(null, { status: 404 });
        }) as typeof fetch;
        try {
            const noEndpoint = { ...dpsConn, endpoint: undefined };
            assert.strictEqual(
                await new DpsClient(noEndpoint).getIndividualEnrollment("a b"),
                undefined,
            );
        } finally {
            globalThis.fetch = realFetch;
        }
        assert.deepStrictEqual(seen, [
            "https://fleet-dps.azure-devices-provisioning.net/enrollments/a%20b?api-version=2021-10-01",
        ]);
    });
});
