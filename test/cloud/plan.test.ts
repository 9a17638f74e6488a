import * as assert from "assert";
import { armAllocationPolicy } from "../../components/dps/allocation";
import { DEFAULT_HUB_POLICIES, serviceConnectionString } from "../../components/hub/policies";
import { parseDeviceConnectionString } from "../../components/cloud/connection-string";
import { CertificateAvailability, CloudPlanError, planCloud } from "../../components/cloud/plan";
import { checkFleet, ResolvedFleet } from "../../components/fleet";
import { rawFleet } from "./harness";

const ALL_CERTS: CertificateAvailability = {
    caCerts: new Set(["root", "devices"]),
    primaryThumbprint: new Set(["gw-1", "gw-2"]),
    secondaryThumbprint: new Set(["gw-1", "gw-2"]),
    primaryCertPem: new Set(["xind-1"]),
};

function fleetOf(raw: Record<string, unknown>): ResolvedFleet {
    const checked = checkFleet(raw);
    assert.ok(checked.ok, JSON.stringify(checked.problems, null, 2));
    return checked.fleet!;
}

function planProblems(fleet: ResolvedFleet, have = ALL_CERTS): string[] {
    try {
        planCloud(fleet, have);
    } catch (err) {
        assert.ok(err instanceof CloudPlanError, String(err));
        return err.problems;
    }
    assert.fail("expected a CloudPlanError");
}

describe("planCloud", function () {
    it("maps every provisioning method to its kind of cloud identity", function () {
        const plan = planCloud(fleetOf(rawFleet()), ALL_CERTS);
        const kinds = Object.fromEntries(plan.devices.map((d) => [d.deviceId, d.kind]));
        assert.deepStrictEqual(kinds, {
            "gw-1": "hubIdentity",
            "child-1": "hubIdentity",
            "ca-dev": "hubIdentity",
            "ext-1": "external",
            "sym-1": "groupSymmetricKey",
            "sym-2": "groupSymmetricKey",
            "symind-1": "individual",
            "x-1": "groupX509",
            "xind-1": "individual",
            "est-1": "groupX509",
            "tpm-1": "individual",
        });
        assert.deepStrictEqual(plan.hubCas, ["root"]);
        assert.deepStrictEqual(plan.dpsCas, ["root"]);
        const gw = plan.devices.find((d) => d.deviceId === "gw-1");
        assert.deepStrictEqual(gw, {
            kind: "hubIdentity",
            deviceId: "gw-1",
            hub: "hub-a",
            authentication: "selfSigned",
            parentDeviceId: undefined,
        });
        const sym2 = plan.devices.find((d) => d.deviceId === "sym-2");
        assert.deepStrictEqual(sym2, {
            kind: "groupSymmetricKey",
            deviceId: "sym-2",
            registrationId: "sym-2-reg",
            group: "sym-group",
        });
    });

    it("gives a TPM device without an individual block the resolved defaults, and keeps given options", function () {
        const raw = rawFleet([
            {
                deviceId: "tpm-2",
                provisioning: {
                    method: "dps-tpm",
                    endorsementKey: "AToAAQAL",
                    individual: { iotEdge: false, hubs: ["hub-b"], provisioningStatus: "disabled" },
                },
            },
        ]);
        const fleet = fleetOf(raw);
        const plan = planCloud(fleet, ALL_CERTS);
        const tpm1 = plan.devices.find((d) => d.deviceId === "tpm-1");
        const tpm2 = plan.devices.find((d) => d.deviceId === "tpm-2");
        assert.ok(tpm1?.kind === "individual" && tpm2?.kind === "individual");
        assert.strictEqual(tpm1.endorsementKey, "AToAAQALAAMAsgAg");
        // resolve.ts gives a TPM device without an `individual` block the defaults of an empty one.
        assert.deepStrictEqual(tpm1.options, {
            iotEdge: true,
            initialTwin: { tags: {}, desiredProperties: {} },
            provisioningStatus: "enabled",
            reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: true },
            allocationPolicy: "geoLatency",
            hubs: ["hub-a", "hub-b"],
        });
        assert.deepStrictEqual(tpm1.options.hubs, ["hub-a", "hub-b"]);
        assert.strictEqual(tpm1.options.allocationPolicy, "geoLatency");
        assert.strictEqual(tpm2.options.iotEdge, false);
        assert.deepStrictEqual(tpm2.options.hubs, ["hub-b"]);
        assert.strictEqual(tpm2.options.provisioningStatus, "disabled");
    });

    it("orders hub identities parents first, whatever the order of fleet.devices", function () {
        const raw = rawFleet([
            {
                deviceId: "leaf-3",
                parentDeviceId: "gw-2",
                provisioning: { method: "manual-symmetric-key", hub: "hub-a" },
            },
            {
                deviceId: "gw-2",
                parentDeviceId: "gw-1",
                provisioning: { method: "manual-x509", hub: "hub-a" },
            },
        ]);
        raw.devices = [...(raw.devices as unknown[])].reverse();
        const order = planCloud(fleetOf(raw), ALL_CERTS).devices.map((d) => d.deviceId);
        const at = (id: string) => order.indexOf(id);
        assert.ok(at("gw-1") < at("gw-2"), order.join(","));
        assert.ok(at("gw-2") < at("leaf-3"), order.join(","));
        assert.ok(at("gw-1") < at("child-1"), order.join(","));
        assert.strictEqual(order.length, 13);
    });

    it("reports a parentDeviceId cycle", function () {
        const raw = rawFleet();
        raw.devices = [
            {
                deviceId: "a",
                parentDeviceId: "b",
                provisioning: { method: "manual-symmetric-key", hub: "hub-a" },
            },
            {
                deviceId: "b",
                parentDeviceId: "a",
                provisioning: { method: "manual-symmetric-key", hub: "hub-a" },
            },
        ];
        const problems = planProblems(fleetOf(raw));
        assert.strictEqual(problems.length, 1);
        assert.match(problems[0], /"a" → "b" → "a"|"b" → "a" → "b"/);
        assert.match(problems[0], /cycle/);
    });

    it("reports parents it cannot wire: another hub, or no hub identity of ours", function () {
        const raw = rawFleet([
            {
                deviceId: "far",
                parentDeviceId: "gw-1",
                provisioning: { method: "manual-symmetric-key", hub: "hub-b" },
            },
            {
                deviceId: "under-ext",
                parentDeviceId: "ext-1",
                provisioning: { method: "manual-symmetric-key", hub: "hub-a" },
            },
        ]);
        const problems = planProblems(fleetOf(raw));
        assert.strictEqual(problems.length, 2, problems.join("\n"));
        assert.match(
            problems.find((p) => p.includes('"far"'))!,
            /parent "gw-1" is on hub "hub-a", not "hub-b"/,
        );
        assert.match(
            problems.find((p) => p.includes('"under-ext"'))!,
            /must be a manual-x509 or manual-symmetric-key device/,
        );
    });

    it("reports every missing certificate at once", function () {
        const problems = planProblems(fleetOf(rawFleet()), {
            caCerts: new Set(),
            primaryThumbprint: new Set(),
            secondaryThumbprint: new Set(["gw-1"]),
            primaryCertPem: new Set(),
        });
        assert.deepStrictEqual(problems.sort(), [
            'device "gw-1": manual-x509 selfSigned needs deviceCerts["gw-1"].primaryThumbprint',
            'device "xind-1": an individual X.509 enrollment needs deviceCerts["xind-1"].primaryCertPem',
            'enrollment group "verified-group": no certificate PEM for CA "root" (caCertPem)',
            'enrollment group "x509-group": no certificate PEM for CA "devices" (caCertPem)',
            'fleet.pki.cas "root" (verified in DPS): no certificate PEM for CA "root" (caCertPem)',
            'fleet.pki.cas "root" (verified in hubs): no certificate PEM for CA "root" (caCertPem)',
        ]);
    });

    it("refuses disableLocalAuth on a hub that DPS links or that holds our device identities", function () {
        const raw = rawFleet();
        raw.hubs = [
            { name: "hub-a", disableLocalAuth: true },
            { name: "hub-b", disableLocalAuth: true },
        ];
        const problems = planProblems(fleetOf(raw));
        assert.deepStrictEqual(problems, [
            'hub "hub-a": disableLocalAuth turns off the shared access policies DPS links the hub with (fleet.dps.links)',
            'hub "hub-a": disableLocalAuth turns off the registry policy SAS that creates the identities of "gw-1", "child-1"',
            'hub "hub-b": disableLocalAuth turns off the shared access policies DPS links the hub with (fleet.dps.links)',
            'hub "hub-b": disableLocalAuth turns off the registry policy SAS that creates the identities of "ca-dev"',
        ]);
        // A hub nothing of ours reaches with SAS may disable it.
        const ok = rawFleet();
        ok.hubs = [...(ok.hubs as object[]), { name: "hub-c", disableLocalAuth: true }];
        assert.doesNotThrow(() => planCloud(fleetOf(ok), ALL_CERTS));
    });

    it("requires a hub-verified CA for certificateAuthority devices", function () {
        const raw = rawFleet();
        raw.pki = {
            cas: [
                { name: "root", verifiedIn: ["dps"] },
                { name: "devices", issuer: "root" },
            ],
        };
        const problems = planProblems(fleetOf(raw));
        assert.deepStrictEqual(problems, [
            'device "ca-dev": certificateAuthority authentication needs a CA verified in the hubs (fleet.pki.cas[].verifiedIn: ["hubs"])',
        ]);
    });
});

describe("cloud pure helpers", function () {
    it("spells allocation policies the ARM way", function () {
        assert.strictEqual(armAllocationPolicy("hashed"), "Hashed");
        assert.strictEqual(armAllocationPolicy("geoLatency"), "GeoLatency");
        assert.strictEqual(armAllocationPolicy("static"), "Static");
        assert.throws(
            () => armAllocationPolicy("custom" as never),
            /unknown DPS allocation policy "custom"/,
        );
    });

    it("keeps the five default hub policies with AccessRights enum spellings", async function () {
        const { AccessRights } = await import("@pulumi/azure-native/types/enums/iothub");
        const allowed = new Set<string>(Object.values(AccessRights));
        assert.deepStrictEqual(
            DEFAULT_HUB_POLICIES.map((p) => p.keyName),
            ["iothubowner", "service", "device", "registryRead", "registryReadWrite"],
        );
        for (const p of DEFAULT_HUB_POLICIES) assert.ok(allowed.has(p.rights), p.rights);
    });

    it("builds a service connection string", function () {
        assert.strictEqual(
            serviceConnectionString("h.azure-devices.net", "registryReadWrite", "a2V5PQ=="),
            "HostName=h.azure-devices.net;SharedAccessKeyName=registryReadWrite;SharedAccessKey=a2V5PQ==",
        );
    });

    it("parses device connection strings as aziotctl does, never echoing the key", function () {
        assert.deepStrictEqual(
            parseDeviceConnectionString(
                "HostName=h.azure-devices.net;DeviceId=d1;SharedAccessKey=a2V5PQ==;GatewayHostName=gw",
            ),
            { hostName: "h.azure-devices.net", deviceId: "d1", sharedAccessKey: "a2V5PQ==" },
        );
        assert.throws(
            () => parseDeviceConnectionString("HostName=h;SharedAccessKey=c2VjcmV0"),
            (e: Error) =>
                /required parameter "DeviceId" is missing/.test(e.message) &&
                !e.message.includes("c2VjcmV0"),
        );
        assert.throws(
            () => parseDeviceConnectionString("HostName=h;DeviceId=d"),
            /"SharedAccessKey" is missing/,
        );
    });
});
