import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import {
    EnrollmentGroupProvider,
    HubDeviceIdentityProvider,
    IndividualEnrollmentProvider,
} from "../../components/dataplane/providers";
import type {
    EnrollmentGroupProps,
    IndividualEnrollmentProps,
} from "../../components/dataplane/enrollment-model";
import type { DeviceIdentityProps } from "../../components/dataplane/device-model";
import { FakeDps, FakeHub, randomKey, startFakeDps, startFakeHub } from "./fake-services";

const PEM_A = fs.readFileSync(path.join(__dirname, "fixtures/root-a.pem"), "utf8");
const PEM_B = fs.readFileSync(path.join(__dirname, "fixtures/root-b.pem"), "utf8");

/** Provider options: recorded sleeps, so retries cost no time. */
function fastOptions() {
    const delays: number[] = [];
    return {
        delays,
        options: { sleep: async (ms: number) => void delays.push(ms), baseDelayMs: 10 },
    };
}

/** Every secret a test handed out, to look for in errors and outputs that must not carry them. */
function assertNoSecrets(text: string, secrets: string[]): void {
    for (const s of secrets) {
        assert.ok(!text.includes(s), `leaked a secret: ${text}`);
    }
}

describe("EnrollmentGroupProvider against the fake DPS", () => {
    let dps: FakeDps;
    let conn: Awaited<ReturnType<typeof startFakeDps>>["connection"];
    beforeEach(async () => ({ dps, connection: conn } = await startFakeDps()));
    afterEach(async () => dps.stop());

    const inputs = (over: Partial<EnrollmentGroupProps> = {}): EnrollmentGroupProps => ({
        ...conn,
        enrollmentGroupId: "edge-sym",
        attestation: { type: "symmetricKey" },
        iotEdge: true,
        initialTwin: { tags: { site: "plant-3" } },
        ...over,
    });

    it("creates with DPS-generated keys, read back into the state", async () => {
        const p = new EnrollmentGroupProvider();
        const { id, outs } = await p.create(inputs());
        assert.strictEqual(id, "edge-sym");
        const stored = dps.get("enrollmentGroups", "edge-sym")!;
        const keys = (
            stored.attestation as { symmetricKey: { primaryKey: string; secondaryKey: string } }
        ).symmetricKey;
        assert.strictEqual(outs.primaryKey, keys.primaryKey);
        assert.strictEqual(outs.secondaryKey, keys.secondaryKey);
        assert.strictEqual(outs.etag, stored.etag);
        assert.deepStrictEqual(stored.capabilities, { iotEdge: true });
        assert.deepStrictEqual(stored.initialTwin, { tags: { site: "plant-3" } });
        assert.deepStrictEqual(
            dps.requests.map((r) => `${r.method} ${r.status}`),
            ["GET 404", "PUT 200"],
        );
        assert.strictEqual(dps.requests[1].headers["if-match"], undefined, "no If-Match on create");
    });

    it("keeps given keys; updates in place with If-Match and keeps generated keys on later updates", async () => {
        const p = new EnrollmentGroupProvider();
        const created = await p.create(inputs());
        const d = await p.diff("edge-sym", created.outs, inputs({ iotEdge: false }));
        assert.deepStrictEqual(d, { changes: true, replaces: [], deleteBeforeReplace: false });
        const updated = await p.update("edge-sym", created.outs, inputs({ iotEdge: false }));
        const put = dps.requests.at(-1)!;
        assert.strictEqual(put.headers["if-match"], created.outs.etag);
        assert.strictEqual(updated.outs.primaryKey, created.outs.primaryKey, "generated key kept");
        assert.notStrictEqual(updated.outs.etag, created.outs.etag);
        assert.deepStrictEqual(dps.get("enrollmentGroups", "edge-sym")!.capabilities, {
            iotEdge: false,
        });
    });

    it("X.509 CA group: PEMs go in signingCertificates, thumbprints come back", async () => {
        const p = new EnrollmentGroupProvider();
        const { outs } = await p.create(
            inputs({
                attestation: {
                    type: "x509",
                    signingCertificates: { primary: PEM_A, secondary: PEM_B },
                },
            }),
        );
        const sent = dps.requests.at(-1)!.body as {
            attestation: { x509: { signingCertificates: { primary: { certificate: string } } } };
        };
        assert.strictEqual(sent.attestation.x509.signingCertificates.primary.certificate, PEM_A);
        assert.match(outs.certificateThumbprints.primary, /^[0-9A-F]{64}$/);
        assert.deepStrictEqual(outs.attestation, {
            type: "x509",
            signingCertificates: { primary: PEM_A, secondary: PEM_B },
        });
        const read = await p.read("edge-sym", outs);
        const again = await p.diff(
            "edge-sym",
            read.props,
            inputs({
                attestation: {
                    type: "x509",
                    signingCertificates: { primary: PEM_A, secondary: PEM_B },
                },
            }),
        );
        assert.strictEqual(again.changes, false, "refresh then diff is clean");
    });

    it("refresh reflects out-of-band changes; update after one fails with 412 and refresh advice", async () => {
        const p = new EnrollmentGroupProvider();
        const { outs } = await p.create(inputs());
        dps.mutate("enrollmentGroups", "edge-sym", (b) => (b.provisioningStatus = "disabled"));
        const stale = p.update("edge-sym", outs, inputs({ iotEdge: false }));
        await assert.rejects(
            stale,
            (e: Error) =>
                /changed outside Pulumi/.test(e.message) &&
                /pulumi refresh/.test(e.message) &&
                /412/.test(e.message),
        );
        const read = await p.read("edge-sym", outs);
        assert.strictEqual(read.id, "edge-sym");
        assert.strictEqual(read.props.provisioningStatus, "disabled");
        assert.strictEqual(read.props.etag, dps.get("enrollmentGroups", "edge-sym")!.etag);
        assert.strictEqual(
            read.props.policyKey,
            conn.policyKey,
            "connection kept for later operations",
        );
        const d = await p.diff("edge-sym", read.props, inputs());
        assert.strictEqual(d.changes, true, "drift shows as a change");
        const fixed = await p.update("edge-sym", read.props, inputs());
        assert.strictEqual(fixed.outs.provisioningStatus, "enabled");
    });

    it("delete uses If-Match, fails with advice when stale, and succeeds when already gone", async () => {
        const p = new EnrollmentGroupProvider();
        const { outs } = await p.create(inputs());
        dps.mutate("enrollmentGroups", "edge-sym", (b) => (b.iotHubs = ["x.azure-devices.net"]));
        await assert.rejects(p.delete("edge-sym", outs), /pulumi refresh/);
        const read = await p.read("edge-sym", outs);
        await p.delete("edge-sym", read.props);
        assert.strictEqual(dps.get("enrollmentGroups", "edge-sym"), undefined);
        assert.strictEqual(dps.requests.at(-1)?.headers["if-match"], read.props.etag);
        await p.delete("edge-sym", read.props);
        assert.strictEqual(dps.requests.at(-1)?.status, 404);
    });

    it("read of a deleted group reports it gone; import reads by id from the args", async () => {
        const p = new EnrollmentGroupProvider();
        await p.create(inputs());
        const imported = await p.read("edge-sym", inputs() as never);
        assert.strictEqual(imported.id, "edge-sym");
        assert.strictEqual(imported.props.iotEdge, true);
        assert.ok(imported.props.primaryKey);
        dps.remove("enrollmentGroups", "edge-sym");
        assert.strictEqual((await p.read("edge-sym", imported.props)).id, "");
    });

    it("create refuses to overwrite an existing group", async () => {
        const p = new EnrollmentGroupProvider();
        await p.create(inputs());
        await assert.rejects(p.create(inputs()), /already exists.*pulumi import/);
        assert.strictEqual(dps.requestsTo("PUT", "/").length, 1);
    });

    it("retries 429 with the injected sleep, honouring Retry-After", async () => {
        const { delays, options } = fastOptions();
        const p = new EnrollmentGroupProvider(options);
        dps.throttleNext(3, "2");
        await p.create(inputs());
        assert.deepStrictEqual(delays, [2000, 2000, 2000]);
        assert.deepStrictEqual(
            dps.requests.map((r) => r.status),
            [429, 429, 429, 404, 200],
        );
    });

    it("errors carry no policy key, token or symmetric key", async () => {
        const keys = [randomKey(), randomKey()];
        const bad = new EnrollmentGroupProvider({ maxAttempts: 1 });
        const err = await bad
            .create(inputs({ policyKey: randomKey(), primaryKey: keys[0], secondaryKey: keys[1] }))
            .then(
                () => assert.fail("no error"),
                (e: Error) => e,
            );
        assert.match(err.message, /HTTP 401/);
        const token = String(dps.requests[0].headers.authorization);
        assertNoSecrets(`${err.message}\n${err.stack}\n${JSON.stringify(err)}`, [
            ...keys,
            token,
            conn.policyKey,
        ]);
    });

    it("check reports invalid inputs per property, skipping values unknown in preview", async () => {
        const p = new EnrollmentGroupProvider();
        const res = await p.check({}, inputs({ enrollmentGroupId: "-x", primaryKey: "AAAA" }));
        assert.deepStrictEqual(
            res.failures?.map((f) => f.property),
            ["enrollmentGroupId", "primaryKey", "primaryKey"],
        );
        const preview = await p.check(
            {},
            inputs({ enrollmentGroupId: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }),
        );
        assert.deepStrictEqual(preview.failures, []);
    });

    it("a case-only id change replaces delete-first (same DPS record)", async () => {
        const p = new EnrollmentGroupProvider();
        const { outs } = await p.create(inputs());
        assert.deepStrictEqual(
            await p.diff("edge-sym", outs, inputs({ enrollmentGroupId: "Edge-Sym" })),
            {
                changes: true,
                replaces: ["enrollmentGroupId"],
                deleteBeforeReplace: true,
            },
        );
    });
});

describe("IndividualEnrollmentProvider against the fake DPS", () => {
    let dps: FakeDps;
    let conn: Awaited<ReturnType<typeof startFakeDps>>["connection"];
    beforeEach(async () => ({ dps, connection: conn } = await startFakeDps()));
    afterEach(async () => dps.stop());

    const inputs = (over: Partial<IndividualEnrollmentProps> = {}): IndividualEnrollmentProps => ({
        ...conn,
        registrationId: "dev-01",
        attestation: { type: "x509", clientCertificates: { primary: PEM_A } },
        ...over,
    });

    it("create / read / update / delete with X.509, TPM and symmetric keys", async () => {
        const p = new IndividualEnrollmentProvider();
        const x509 = await p.create(inputs({ deviceId: "edge-01", iotEdge: true }));
        assert.strictEqual(x509.id, "dev-01");
        assert.strictEqual(dps.get("enrollments", "dev-01")!.deviceId, "edge-01");
        const tpm = await p.create(
            inputs({
                registrationId: "dev-tpm",
                attestation: { type: "tpm", endorsementKey: "AToAAQALAAMAsgAgg3GXZ0SEs" },
            }),
        );
        assert.deepStrictEqual(tpm.outs.attestation, {
            type: "tpm",
            endorsementKey: "AToAAQALAAMAsgAgg3GXZ0SEs",
        });
        const k = [randomKey(), randomKey()];
        const sym = await p.create(
            inputs({
                registrationId: "dev-sym",
                attestation: { type: "symmetricKey" },
                primaryKey: k[0],
                secondaryKey: k[1],
            }),
        );
        assert.deepStrictEqual([sym.outs.primaryKey, sym.outs.secondaryKey], k);

        const updated = await p.update(
            "dev-01",
            x509.outs,
            inputs({
                deviceId: "edge-01",
                iotEdge: true,
                attestation: { type: "x509", clientCertificates: { primary: PEM_B } },
            }),
        );
        assert.strictEqual(dps.requests.at(-1)?.headers["if-match"], x509.outs.etag);
        assert.notStrictEqual(
            updated.outs.certificateThumbprints.primary,
            x509.outs.certificateThumbprints.primary,
        );

        dps.mutate("enrollments", "dev-01", (b) => (b.deviceId = "renamed"));
        const read = await p.read("dev-01", updated.outs);
        assert.strictEqual(read.props.deviceId, "renamed");
        await assert.rejects(
            p.update("dev-01", updated.outs, inputs({ deviceId: "edge-01" })),
            /pulumi refresh/,
        );

        for (const [id, props] of [
            ["dev-01", read.props],
            ["dev-tpm", tpm.outs],
            ["dev-sym", sym.outs],
        ] as const) {
            await p.delete(id, props);
            await p.delete(id, props);
            assert.strictEqual(dps.get("enrollments", id), undefined);
        }
    });

    it("registration IDs are case-insensitive in DPS: a case change deletes first", async () => {
        const p = new IndividualEnrollmentProvider();
        const { outs } = await p.create(inputs());
        const d = await p.diff("dev-01", outs, inputs({ registrationId: "DEV-01" }));
        assert.strictEqual(d.deleteBeforeReplace, true);
    });
});

describe("HubDeviceIdentityProvider against the fake hub", () => {
    let hub: FakeHub;
    let conn: Awaited<ReturnType<typeof startFakeHub>>["connection"];
    beforeEach(async () => ({ hub, connection: conn } = await startFakeHub()));
    afterEach(async () => hub.stop());

    const inputs = (over: Partial<DeviceIdentityProps> = {}): DeviceIdentityProps => ({
        ...conn,
        deviceId: "gw-1",
        iotEdge: true,
        ...over,
    });

    it("creates an edge device with hub-generated keys and its own device scope", async () => {
        const p = new HubDeviceIdentityProvider();
        const { id, outs } = await p.create(inputs());
        assert.strictEqual(id, "gw-1");
        const stored = hub.get("gw-1")!;
        assert.match(outs.deviceScope, /^ms-azure-iot-edge:\/\/gw-1-/);
        assert.strictEqual(outs.deviceScope, stored.deviceScope);
        assert.strictEqual(
            outs.primaryKey,
            (stored.authentication as { symmetricKey: { primaryKey: string } }).symmetricKey
                .primaryKey,
        );
        assert.strictEqual(outs.etag, stored.etag);
    });

    it("nested edge: child edge gets parentScopes, leaf gets deviceScope (registry extract)", async () => {
        const p = new HubDeviceIdentityProvider();
        const parent = await p.create(inputs());
        const child = await p.create(
            inputs({ deviceId: "edge-l4", parentDeviceScope: parent.outs.deviceScope }),
        );
        assert.deepStrictEqual(hub.get("edge-l4")!.parentScopes, [parent.outs.deviceScope]);
        assert.strictEqual(child.outs.parentDeviceScope, parent.outs.deviceScope);
        assert.notStrictEqual(child.outs.deviceScope, parent.outs.deviceScope);
        const leaf = await p.create(
            inputs({
                deviceId: "sensor-1",
                iotEdge: false,
                authentication: { type: "certificateAuthority" },
                parentDeviceScope: child.outs.deviceScope,
            }),
        );
        assert.strictEqual(hub.get("sensor-1")!.deviceScope, child.outs.deviceScope);
        assert.strictEqual(leaf.outs.parentDeviceScope, child.outs.deviceScope);
        const clean = await p.diff(
            "sensor-1",
            leaf.outs,
            inputs({
                deviceId: "sensor-1",
                iotEdge: false,
                authentication: { type: "certificateAuthority" },
                parentDeviceScope: child.outs.deviceScope,
            }),
        );
        assert.strictEqual(clean.changes, false);
        // The leaf leaves its gateway: the scope is cleared, not kept.
        const alone = await p.update(
            "sensor-1",
            leaf.outs,
            inputs({
                deviceId: "sensor-1",
                iotEdge: false,
                authentication: { type: "certificateAuthority" },
            }),
        );
        assert.strictEqual(hub.get("sensor-1")!.deviceScope, "");
        assert.strictEqual(alone.outs.parentDeviceScope, undefined);
        // Re-parent the child edge device to the top: update in place, its own scope unchanged.
        const moved = await p.update("edge-l4", child.outs, inputs({ deviceId: "edge-l4" }));
        assert.deepStrictEqual(hub.get("edge-l4")!.parentScopes, []);
        assert.strictEqual(moved.outs.deviceScope, child.outs.deviceScope);
    });

    it("updates with a quoted If-Match keeping generated keys; 412 after an out-of-band change", async () => {
        const p = new HubDeviceIdentityProvider();
        const { outs } = await p.create(inputs());
        const updated = await p.update("gw-1", outs, inputs({ status: "disabled" }));
        assert.strictEqual(hub.requests.at(-1)?.headers["if-match"], `"${outs.etag}"`);
        assert.strictEqual(updated.outs.primaryKey, outs.primaryKey);
        assert.strictEqual(hub.get("gw-1")!.status, "disabled");
        hub.mutate("gw-1", (b) => (b.status = "enabled"));
        await assert.rejects(
            p.update("gw-1", updated.outs, inputs({ status: "disabled" })),
            /changed outside Pulumi.*pulumi refresh/s,
        );
        const read = await p.read("gw-1", updated.outs);
        assert.strictEqual(read.props.status, "enabled");
        assert.strictEqual(
            (await p.diff("gw-1", read.props, inputs({ status: "disabled" }))).changes,
            true,
        );
        await p.update("gw-1", read.props, inputs({ status: "disabled" }));
    });

    it("switches authentication in place: sas → selfSigned thumbprints", async () => {
        const p = new HubDeviceIdentityProvider();
        const { outs } = await p.create(
            inputs({ primaryKey: randomKey(), secondaryKey: randomKey() }),
        );
        const t = "AB".repeat(20);
        const next = inputs({
            authentication: { type: "selfSigned", primaryThumbprint: t, secondaryThumbprint: t },
        });
        assert.deepStrictEqual((await p.diff("gw-1", outs, next)).replaces, []);
        const { outs: after } = await p.update("gw-1", outs, next);
        assert.deepStrictEqual(hub.get("gw-1")!.authentication, {
            type: "selfSigned",
            x509Thumbprint: { primaryThumbprint: t, secondaryThumbprint: t },
        });
        assert.strictEqual(after.primaryKey, undefined);
    });

    it("delete is idempotent and guarded by the etag; read of a missing device reports it gone", async () => {
        const p = new HubDeviceIdentityProvider();
        const { outs } = await p.create(inputs());
        hub.mutate("gw-1", (b) => (b.status = "disabled"));
        await assert.rejects(p.delete("gw-1", outs), /pulumi refresh/);
        const read = await p.read("gw-1", outs);
        await p.delete("gw-1", read.props);
        await p.delete("gw-1", read.props);
        assert.strictEqual(hub.get("gw-1"), undefined);
        assert.strictEqual((await p.read("gw-1", read.props)).id, "");
    });

    it("policy-key rotation touches nothing in the hub", async () => {
        const p = new HubDeviceIdentityProvider();
        const { outs } = await p.create(inputs());
        const before = hub.requests.length;
        const rotated = randomKey();
        const { outs: after } = await p.update("gw-1", outs, inputs({ policyKey: rotated }));
        assert.strictEqual(hub.requests.length, before);
        assert.strictEqual(after.policyKey, rotated);
        assert.strictEqual(after.etag, outs.etag);
    });

    it("retries 503 then surfaces errors without secrets", async () => {
        const { delays, options } = fastOptions();
        const p = new HubDeviceIdentityProvider({ ...options, maxAttempts: 2 });
        hub.throttleNext(2, undefined, 503);
        const keys = [randomKey(), randomKey()];
        const err = await p.create(inputs({ primaryKey: keys[0], secondaryKey: keys[1] })).then(
            () => assert.fail("no error"),
            (e: Error) => e,
        );
        assert.match(err.message, /HTTP 503 ServiceUnavailable/);
        assert.deepStrictEqual(delays, [10]);
        const tokens = hub.requests.map((r) => String(r.headers.authorization));
        assertNoSecrets(`${err.message}${JSON.stringify(err)}`, [
            ...keys,
            ...tokens,
            conn.policyKey,
        ]);
    });
});
