import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import {
    CA_PEMS,
    collector,
    CONFIG_SECRETS,
    customs,
    DEVICE_CERTS,
    installMocks,
    isSecretMarker,
    promiseOf,
    randomKey,
    rawFleet,
    recorded,
    reveal,
    secretLookup,
} from "./harness";

type CloudModule = typeof import("../../components/cloud");
type FleetModule = typeof import("../../components/fleet");

describe("FleetCloud scaling and options", function () {
    let cloud: CloudModule;
    let fleetMod: FleetModule;

    before(async function () {
        installMocks();
        cloud = await import("../../components/cloud");
        fleetMod = await import("../../components/fleet");
    });

    function fleetOf(raw: Record<string, unknown>) {
        const checked = fleetMod.checkFleet(raw);
        assert.ok(checked.ok, JSON.stringify(checked.problems, null, 2));
        return checked.fleet!;
    }

    async function build(name: string, raw: Record<string, unknown>) {
        const c = collector();
        const fc = new cloud.FleetCloud(
            name,
            {
                fleet: fleetOf(raw),
                caCertPem: CA_PEMS,
                deviceCerts: DEVICE_CERTS,
                secrets: secretLookup,
            },
            c.opts,
        );
        await c.settled();
        return { fc, customs: customs(`${name}-`) };
    }

    const groupDevices = (n: number) =>
        Array.from({ length: n }, (_, i) => ({
            deviceId: `line-${i}`,
            provisioning: { method: "dps-symmetric-key", enrollmentGroup: "sym-group" },
        }));

    it("adds no resource for 10 more devices of a symmetric-key group, yet gives each a key", async function () {
        const base = await build("flat0", rawFleet());
        const grown = await build("flat10", rawFleet(groupDevices(10)));
        assert.ok(base.customs.length > 20, `base graph has ${base.customs.length} resources`);
        assert.strictEqual(grown.customs.length, base.customs.length);
        const strip = (name: string, rs: typeof base.customs) =>
            rs.map((r) => `${r.type} ${r.name.slice(name.length)}`).sort();
        assert.deepStrictEqual(strip("flat10", grown.customs), strip("flat0", base.customs));
        const keys = await Promise.all(
            groupDevices(10).map((d) => promiseOf(grown.fc.devices[d.deviceId].symmetricKey!)),
        );
        assert.strictEqual(new Set(keys).size, 10);
    });

    it("adds no resource for 10 more devices of an X.509 group", async function () {
        const base = await build("x0", rawFleet());
        const grown = await build(
            "x10",
            rawFleet(
                Array.from({ length: 10 }, (_, i) => ({
                    deviceId: `cam-${i}`,
                    provisioning: { method: "dps-x509", enrollmentGroup: "x509-group" },
                })),
            ),
        );
        assert.strictEqual(grown.customs.length, base.customs.length);
    });

    it("adds an enrollment and two keys for one more individual symmetric-key device", async function () {
        const base = await build("ind0", rawFleet());
        const grown = await build(
            "ind1",
            rawFleet([
                { deviceId: "solo", provisioning: { method: "dps-symmetric-key", individual: {} } },
            ]),
        );
        const added = grown.customs
            .filter((r) => r.name.includes("solo"))
            .map((r) => `${r.type} ${r.name}`)
            .sort();
        assert.deepStrictEqual(added, [
            "pulumi-nodejs:dynamic/iotedge:IndividualEnrollment ind1-enrollment-solo",
            "random:index/randomBytes:RandomBytes ind1-device-solo-primary-key",
            "random:index/randomBytes:RandomBytes ind1-device-solo-secondary-key",
        ]);
        assert.strictEqual(grown.customs.length, base.customs.length + 3);
    });

    it("keys per-device resources by device ID, so reordering devices renames nothing", async function () {
        const raw = rawFleet();
        const reversed = { ...raw, devices: [...(raw.devices as unknown[])].reverse() };
        const a = await build("order-a", raw);
        const b = await build("order-b", reversed);
        const names = (prefix: string, rs: typeof a.customs) =>
            rs.map((r) => r.name.slice(prefix.length)).sort();
        assert.deepStrictEqual(names("order-b", b.customs), names("order-a", a.customs));
    });

    it("takes a group key from secret config when the group names primaryKeySecret", async function () {
        const raw = rawFleet();
        raw.enrollmentGroups = [
            {
                name: "sym-group",
                attestation: { type: "symmetricKey", primaryKeySecret: "groupPrimary" },
            },
            ...(raw.enrollmentGroups as unknown[]).slice(1),
        ];
        const { fc } = await build("cfgkey", raw);
        const g = recorded.find((r) => r.name === "cfgkey-group-sym-group")!;
        assert.ok(isSecretMarker(g.inputs.primaryKey));
        assert.strictEqual(reveal(g.inputs.primaryKey), CONFIG_SECRETS.groupPrimary);
        // Only the secondary is generated.
        assert.deepStrictEqual(
            customs("cfgkey-group-sym-group-").map((r) => r.name),
            ["cfgkey-group-sym-group-secondary-key"],
        );
        assert.strictEqual(
            reveal(g.inputs.secondaryKey),
            randomKey("cfgkey-group-sym-group-secondary-key"),
        );
        const { deriveDeviceKey } = await import("../../components/dataplane/derive-key");
        assert.strictEqual(
            await promiseOf(fc.devices["sym-1"].symmetricKey!),
            deriveDeviceKey(CONFIG_SECRETS.groupPrimary, "sym-1"),
        );
        assert.strictEqual(await pulumi.isSecret(fc.devices["sym-1"].symmetricKey!), true);
    });

    it("declares a hub-only fleet without DPS and without enrollment resources", async function () {
        const raw = rawFleet();
        delete raw.dps;
        raw.enrollmentGroups = [];
        raw.pki = { cas: [{ name: "root", verifiedIn: ["hubs"] }] };
        raw.devices = (raw.devices as { provisioning: { method: string } }[]).filter((d) =>
            d.provisioning.method.startsWith("manual-"),
        );
        const { fc, customs: rs } = await build("hubonly", raw);
        assert.strictEqual(fc.dps, undefined);
        assert.strictEqual(fc.idScope, undefined);
        assert.deepStrictEqual(
            rs.filter((r) => r.type.includes("deviceprovisioningservices")),
            [],
        );
        assert.deepStrictEqual(
            rs.filter(
                (r) =>
                    r.inputs.enrollmentGroupId !== undefined ||
                    r.inputs.registrationId !== undefined,
            ),
            [],
        );
        assert.deepStrictEqual(Object.keys(fc.deviceIdentities).sort(), [
            "ca-dev",
            "child-1",
            "gw-1",
        ]);
    });

    it("refuses, before declaring anything, a fleet whose certificates are missing", function () {
        assert.throws(
            () =>
                new cloud.FleetCloud("missing", {
                    fleet: fleetOf(rawFleet()),
                    caCertPem: { devices: CA_PEMS.devices },
                    deviceCerts: {},
                    secrets: secretLookup,
                }),
            (err: Error) => {
                assert.strictEqual(err.name, "CloudPlanError");
                for (const fragment of [
                    'CA "root"',
                    'deviceCerts["gw-1"].primaryThumbprint',
                    'deviceCerts["gw-1"].secondaryThumbprint',
                    'deviceCerts["xind-1"].primaryCertPem',
                ]) {
                    assert.ok(err.message.includes(fragment), `${fragment} in ${err.message}`);
                }
                return true;
            },
        );
        assert.deepStrictEqual(customs("missing-"), []);
    });
});
