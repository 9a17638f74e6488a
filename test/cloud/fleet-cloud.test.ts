import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import {
    CA_PEMS,
    calls,
    collector,
    CONFIG_SECRETS,
    customs,
    DEVICE_CERTS,
    deviceScope,
    dpsHost,
    dpsPolicyKey,
    fakeKey,
    hubHost,
    hubPolicyKey,
    ID_SCOPE,
    installMocks,
    isSecretMarker,
    one,
    promiseOf,
    randomKey,
    rawFleet,
    recorded,
    reveal,
    secretAlong,
    secretLookup,
} from "./harness";

type CloudModule = typeof import("../../components/cloud");
type FleetModule = typeof import("../../components/fleet");
type DeriveModule = typeof import("../../components/dataplane/derive-key");

const HUB = "azure-native:iothub:IotHubResource";
const HUB_CERT = "azure-native:iothub:Certificate";
const DPS = "azure-native:deviceprovisioningservices:IotDpsResource";
const DPS_CERT = "azure-native:deviceprovisioningservices:DpsCertificate";
const RG = "azure-native:resources:ResourceGroup";
const RANDOM = "random:index/randomBytes:RandomBytes";
/** Our dynamic resources register `pulumi-nodejs:dynamic/iotedge:<Kind>`. */
const isDynamic = (type: string) => type.startsWith("pulumi-nodejs:dynamic/iotedge:");

describe("FleetCloud graph", function () {
    let cloud: CloudModule;
    let fleetMod: FleetModule;
    let derive: DeriveModule;
    let fc: InstanceType<CloudModule["FleetCloud"]>;
    let all: pulumi.Resource[];

    before(async function () {
        installMocks();
        cloud = await import("../../components/cloud");
        fleetMod = await import("../../components/fleet");
        derive = await import("../../components/dataplane/derive-key");
        const checked = fleetMod.checkFleet(rawFleet());
        assert.ok(checked.ok, JSON.stringify(checked.problems, null, 2));
        const c = collector();
        fc = new cloud.FleetCloud(
            "fleet",
            {
                fleet: checked.fleet!,
                caCertPem: CA_PEMS,
                deviceCerts: DEVICE_CERTS,
                secrets: secretLookup,
            },
            c.opts,
        );
        await c.settled();
        all = c.resources;
    });

    const dynamicBy = (field: string, value: string) => {
        const found = customs("fleet-").filter(
            (r) => isDynamic(r.type) && r.inputs[field] === value,
        );
        assert.strictEqual(found.length, 1, `one dynamic resource with ${field}=${value}`);
        return found[0];
    };

    it("creates the resource group from the fleet", function () {
        const rg = one("fleet-", RG, "fleet-rg");
        assert.deepStrictEqual(reveal(rg.inputs), {
            resourceGroupName: "rg-fleet",
            location: "westeurope",
            tags: { env: "test" },
        });
    });

    it("declares each hub with its sku, location, TLS, tags and the five default policies", function () {
        const a = one("fleet-", HUB, "fleet-hub-hub-a-iothub");
        assert.strictEqual(a.inputs.resourceName, "hub-a");
        assert.strictEqual(a.inputs.resourceGroupName, "rg-fleet");
        assert.strictEqual(a.inputs.location, "westeurope");
        assert.deepStrictEqual(a.inputs.sku, { name: "S2", capacity: 2 });
        const props = a.inputs.properties as Record<string, unknown>;
        assert.strictEqual(props.minTlsVersion, "1.2");
        assert.strictEqual(props.disableLocalAuth, false);
        assert.deepStrictEqual(props.authorizationPolicies, [
            {
                keyName: "iothubowner",
                rights: "RegistryRead, RegistryWrite, ServiceConnect, DeviceConnect",
            },
            { keyName: "service", rights: "ServiceConnect" },
            { keyName: "device", rights: "DeviceConnect" },
            { keyName: "registryRead", rights: "RegistryRead" },
            { keyName: "registryReadWrite", rights: "RegistryRead, RegistryWrite" },
        ]);
        const b = one("fleet-", HUB, "fleet-hub-hub-b-iothub");
        assert.strictEqual(b.inputs.location, "northeurope");
        assert.deepStrictEqual(b.inputs.sku, { name: "S1", capacity: 1 });
        assert.deepStrictEqual(b.inputs.tags, { env: "test", role: "spare" });
    });

    it("parents hubs under the FleetCloud and the hub resource under its IotHub", async function () {
        // Mock URNs carry the parent's type only (the engine qualifies the whole chain).
        const urn = (r: pulumi.Resource) => promiseOf(r.urn);
        assert.ok(
            (await urn(fc.hubs["hub-a"])).endsWith(
                "::iotedge:cloud:FleetCloud$iotedge:hub:IotHub::fleet-hub-hub-a",
            ),
        );
        assert.ok(
            (await urn(fc.hubs["hub-a"].resource)).endsWith(
                "::iotedge:hub:IotHub$azure-native:iothub:IotHubResource::fleet-hub-hub-a-iothub",
            ),
        );
        assert.ok(
            (await urn(fc.dps!)).endsWith(
                "::iotedge:cloud:FleetCloud$iotedge:dps:ProvisioningService::fleet-dps",
            ),
        );
        assert.ok(
            (await urn(fc.deviceIdentities["gw-1"])).includes(
                "::iotedge:cloud:FleetCloud$pulumi-nodejs:dynamic/iotedge:HubDeviceIdentity::fleet-identity-gw-1",
            ),
        );
    });

    it("exposes hub host names from the resource and registry keys as secrets", async function () {
        assert.strictEqual(await promiseOf(fc.hubHostNames["hub-a"]), hubHost("hub-a"));
        const hub = fc.hubs["hub-a"];
        assert.strictEqual(await pulumi.isSecret(hub.registryPolicyKey), true);
        assert.strictEqual(
            await promiseOf(hub.registryPolicyKey),
            hubPolicyKey("hub-a", "registryReadWrite"),
        );
        assert.strictEqual(await pulumi.isSecret(hub.registryConnectionString), true);
        assert.strictEqual(
            await promiseOf(hub.registryConnectionString),
            `HostName=hub-a.azure-devices.net;SharedAccessKeyName=registryReadWrite;SharedAccessKey=${hubPolicyKey("hub-a", "registryReadWrite")}`,
        );
        assert.strictEqual(await pulumi.isSecret(hub.linkConnectionString), true);
        // Calls are recorded across test files: keep this fleet's, once each.
        const keyCalls = calls.filter(
            (c) =>
                c.token === "azure-native:iothub:listIotHubResourceKeysForKeyName" &&
                c.inputs.resourceGroupName === "rg-fleet",
        );
        assert.deepStrictEqual(
            [
                ...new Set(
                    keyCalls.map(
                        (c) =>
                            `${c.inputs.resourceGroupName}/${c.inputs.resourceName}/${c.inputs.keyName}`,
                    ),
                ),
            ].sort(),
            [
                "rg-fleet/hub-a/iothubowner",
                "rg-fleet/hub-a/registryReadWrite",
                "rg-fleet/hub-b/iothubowner",
                "rg-fleet/hub-b/registryReadWrite",
            ],
        );
    });

    it("declares the DPS with capitalised allocation policy and secret linked-hub connection strings", function () {
        const d = one("fleet-", DPS, "fleet-dps-iotdps");
        assert.strictEqual(d.inputs.provisioningServiceName, "dps-fleet");
        assert.deepStrictEqual(d.inputs.sku, { name: "S1", capacity: 2 });
        for (const i of [0, 1]) {
            assert.ok(
                secretAlong(d.inputs, ["properties", "iotHubs", i, "connectionString"]),
                "linked hub connection string must be secret",
            );
        }
        const props = reveal(d.inputs.properties);
        assert.strictEqual(props.allocationPolicy, "GeoLatency");
        const hubs = props.iotHubs as Record<string, unknown>[];
        assert.deepStrictEqual(reveal(hubs), [
            {
                connectionString: `HostName=hub-a.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=${hubPolicyKey("hub-a", "iothubowner")}`,
                location: "westeurope",
                allocationWeight: 1,
                applyAllocationPolicy: true,
            },
            {
                connectionString: `HostName=hub-b.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=${hubPolicyKey("hub-b", "iothubowner")}`,
                location: "northeurope",
                allocationWeight: 3,
                applyAllocationPolicy: false,
            },
        ]);
    });

    it("exposes the DPS id scope, hosts and a secret service key", async function () {
        assert.strictEqual(await promiseOf(fc.idScope!), ID_SCOPE);
        // Under `properties`, which went in secret: un-secreted on purpose (not a credential).
        assert.strictEqual(await pulumi.isSecret(fc.idScope!), false);
        assert.strictEqual(await pulumi.isSecret(fc.dpsServiceHostName!), false);
        assert.strictEqual(await promiseOf(fc.dpsServiceHostName!), dpsHost("dps-fleet"));
        assert.strictEqual(
            await promiseOf(fc.dpsDeviceHostName!),
            "global.azure-devices-provisioning.net",
        );
        assert.strictEqual(await pulumi.isSecret(fc.dps!.servicePolicyKey), true);
        assert.strictEqual(
            await promiseOf(fc.dps!.servicePolicyKey),
            dpsPolicyKey("dps-fleet", "provisioningserviceowner"),
        );
        assert.strictEqual(await pulumi.isSecret(fc.dps!.serviceConnectionString), true);
    });

    it("uploads verified CA certificates where verifiedIn says, and only there", function () {
        const hubCerts = customs("fleet-").filter((r) => r.type === HUB_CERT);
        assert.deepStrictEqual(hubCerts.map((r) => r.name).sort(), [
            "fleet-hub-hub-a-ca-root",
            "fleet-hub-hub-b-ca-root",
        ]);
        for (const c of hubCerts) {
            assert.deepStrictEqual(c.inputs.properties, {
                certificate: CA_PEMS.root,
                isVerified: true,
            });
            assert.strictEqual(c.inputs.certificateName, "root");
        }
        assert.deepStrictEqual(hubCerts.map((r) => r.inputs.resourceName).sort(), [
            "hub-a",
            "hub-b",
        ]);
        const dpsCerts = customs("fleet-").filter((r) => r.type === DPS_CERT);
        assert.strictEqual(dpsCerts.length, 1);
        assert.strictEqual(dpsCerts[0].inputs.provisioningServiceName, "dps-fleet");
        assert.deepStrictEqual(dpsCerts[0].inputs.properties, {
            certificate: CA_PEMS.root,
            isVerified: true,
        });
    });

    it("declares a symmetric-key enrollment group with generated keys and the resolved options", async function () {
        const g = dynamicBy("enrollmentGroupId", "sym-group");
        assert.ok(isSecretMarker(g.inputs.primaryKey), "group primary key must be secret");
        assert.ok(isSecretMarker(g.inputs.policyKey), "DPS policy key must be secret");
        assert.deepStrictEqual(reveal(g.inputs), {
            hostName: dpsHost("dps-fleet"),
            policyName: "provisioningserviceowner",
            policyKey: dpsPolicyKey("dps-fleet", "provisioningserviceowner"),
            enrollmentGroupId: "sym-group",
            attestation: { type: "symmetricKey" },
            primaryKey: randomKey("fleet-group-sym-group-primary-key"),
            secondaryKey: randomKey("fleet-group-sym-group-secondary-key"),
            iotEdge: true,
            initialTwin: { tags: { site: "plant-1" }, properties: { desired: { tier: "gold" } } },
            provisioningStatus: "enabled",
            reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: false },
            allocationPolicy: "geoLatency",
            iotHubs: [hubHost("hub-b")],
        });
        const keys = customs("fleet-group-sym-group").filter((r) => r.type === RANDOM);
        assert.deepStrictEqual(
            keys.map((k) => k.inputs.length),
            [32, 32],
        );
    });

    it("declares X.509 groups: PEM signing certificate, or a reference when the CA is verified in DPS", function () {
        const x = reveal(dynamicBy("enrollmentGroupId", "x509-group").inputs);
        assert.deepStrictEqual(x.attestation, {
            type: "x509",
            signingCertificates: { primary: CA_PEMS.devices },
        });
        assert.strictEqual(x.provisioningStatus, "disabled");
        assert.strictEqual(x.primaryKey, undefined);
        assert.deepStrictEqual(x.iotHubs, [hubHost("hub-a"), hubHost("hub-b")]);
        const v = reveal(dynamicBy("enrollmentGroupId", "verified-group").inputs);
        assert.deepStrictEqual(v.attestation, {
            type: "x509CaReferences",
            caReferences: { primary: "root" },
        });
    });

    it("declares individual enrollments for symmetric key, X.509 and TPM devices", function () {
        const s = dynamicBy("registrationId", "symind-1");
        assert.ok(isSecretMarker(s.inputs.primaryKey));
        const sv = reveal(s.inputs);
        assert.strictEqual(sv.deviceId, "symind-1");
        assert.deepStrictEqual(sv.attestation, { type: "symmetricKey" });
        assert.strictEqual(sv.primaryKey, randomKey("fleet-device-symind-1-primary-key"));
        assert.strictEqual(sv.secondaryKey, randomKey("fleet-device-symind-1-secondary-key"));
        assert.deepStrictEqual(sv.initialTwin, {
            tags: { owner: "ops" },
            properties: { desired: {} },
        });
        assert.strictEqual(sv.allocationPolicy, "static");
        assert.deepStrictEqual(sv.iotHubs, [hubHost("hub-a")]);
        assert.strictEqual(sv.iotEdge, true);

        const x = reveal(dynamicBy("registrationId", "xind-1").inputs);
        assert.deepStrictEqual(x.attestation, {
            type: "x509",
            clientCertificates: { primary: DEVICE_CERTS["xind-1"].primaryCertPem },
        });
        assert.strictEqual(x.primaryKey, undefined);

        const t = reveal(dynamicBy("registrationId", "tpm-1").inputs);
        assert.deepStrictEqual(t.attestation, { type: "tpm", endorsementKey: "AToAAQALAAMAsgAg" });
        // No `individual` block for a TPM device: edge-enabled, every linked hub.
        assert.strictEqual(t.iotEdge, true);
        assert.deepStrictEqual(t.iotHubs, [hubHost("hub-a"), hubHost("hub-b")]);
        assert.strictEqual(t.allocationPolicy, "geoLatency");
    });

    it("declares hub identities: self-signed thumbprints, SAS keys with parent scope, CA-signed", function () {
        const gw = dynamicBy("deviceId", "gw-1");
        assert.strictEqual(gw.inputs.registrationId, undefined);
        const gwv = reveal(gw.inputs);
        assert.strictEqual(gwv.hostName, hubHost("hub-a"));
        assert.strictEqual(gwv.policyName, "registryReadWrite");
        assert.strictEqual(gwv.policyKey, hubPolicyKey("hub-a", "registryReadWrite"));
        assert.ok(isSecretMarker(gw.inputs.policyKey));
        assert.strictEqual(gwv.iotEdge, true);
        assert.deepStrictEqual(gwv.authentication, {
            type: "selfSigned",
            primaryThumbprint: DEVICE_CERTS["gw-1"].primaryThumbprint,
            secondaryThumbprint: DEVICE_CERTS["gw-1"].secondaryThumbprint,
        });
        assert.strictEqual(gwv.primaryKey, undefined);
        assert.strictEqual(gwv.parentDeviceScope, undefined);

        const child = dynamicBy("deviceId", "child-1");
        const cv = reveal(child.inputs);
        assert.deepStrictEqual(cv.authentication, { type: "sas" });
        assert.ok(isSecretMarker(child.inputs.primaryKey));
        assert.strictEqual(cv.primaryKey, randomKey("fleet-device-child-1-primary-key"));
        assert.strictEqual(cv.parentDeviceScope, deviceScope("gw-1"));

        const ca = reveal(dynamicBy("deviceId", "ca-dev").inputs);
        assert.deepStrictEqual(ca.authentication, { type: "certificateAuthority" });
        assert.strictEqual(ca.hostName, hubHost("hub-b"));
    });

    it("declares no resource for group devices nor for externally registered devices", function () {
        for (const id of ["sym-1", "sym-2", "sym-2-reg", "x-1", "est-1", "ext-1"]) {
            const own = recorded.filter(
                (r) =>
                    isDynamic(r.type) &&
                    (r.inputs.deviceId === id || r.inputs.registrationId === id),
            );
            assert.deepStrictEqual(own, [], id);
            assert.deepStrictEqual(customs(`fleet-device-${id}`), [], id);
        }
        assert.deepStrictEqual(Object.keys(fc.individualEnrollments).sort(), [
            "symind-1",
            "tpm-1",
            "xind-1",
        ]);
        assert.deepStrictEqual(Object.keys(fc.deviceIdentities).sort(), [
            "ca-dev",
            "child-1",
            "gw-1",
        ]);
    });

    it("gives group devices the derived key of their registration ID, as a secret", async function () {
        const groupKey = randomKey("fleet-group-sym-group-primary-key");
        assert.deepStrictEqual(Object.keys(fc.groupPrimaryKeys), ["sym-group"]);
        assert.strictEqual(await pulumi.isSecret(fc.groupPrimaryKeys["sym-group"]), true);
        assert.strictEqual(await promiseOf(fc.groupPrimaryKeys["sym-group"]), groupKey);
        for (const [id, reg] of [
            ["sym-1", "sym-1"],
            ["sym-2", "sym-2-reg"],
        ]) {
            const out = fc.devices[id];
            assert.strictEqual(await pulumi.isSecret(out.symmetricKey!), true, id);
            assert.strictEqual(
                await promiseOf(out.symmetricKey!),
                derive.deriveDeviceKey(groupKey, reg),
                id,
            );
            assert.strictEqual(await promiseOf(out.idScope!), ID_SCOPE);
            assert.strictEqual(out.hubHostName, undefined);
        }
        assert.notStrictEqual(
            await promiseOf(fc.devices["sym-1"].symmetricKey!),
            await promiseOf(fc.devices["sym-2"].symmetricKey!),
        );
    });

    it("gives other devices their own key and the right endpoint", async function () {
        const key = async (id: string) => {
            const k = fc.devices[id].symmetricKey!;
            assert.strictEqual(await pulumi.isSecret(k), true, id);
            return promiseOf(k);
        };
        assert.strictEqual(await key("symind-1"), randomKey("fleet-device-symind-1-primary-key"));
        assert.strictEqual(await key("child-1"), randomKey("fleet-device-child-1-primary-key"));
        assert.strictEqual(await key("ext-1"), fakeKey("ext-1"));
        assert.ok(CONFIG_SECRETS.ext1Conn.includes(fakeKey("ext-1")));
        assert.strictEqual(await promiseOf(fc.devices["child-1"].hubHostName!), hubHost("hub-a"));
        assert.strictEqual(await promiseOf(fc.devices["ca-dev"].hubHostName!), hubHost("hub-b"));
        assert.strictEqual(fc.devices["gw-1"].symmetricKey, undefined);
        assert.strictEqual(fc.devices["x-1"].symmetricKey, undefined);
        assert.strictEqual(fc.devices["tpm-1"].symmetricKey, undefined);
        assert.strictEqual(await promiseOf(fc.devices["tpm-1"].idScope!), ID_SCOPE);
        assert.strictEqual(fc.devices["gw-1"].idScope, undefined);
        assert.deepStrictEqual(Object.keys(fc.devices).sort(), checkedIds());
    });

    it("declares every resource in the constructor, none inside an apply", async function () {
        // `all` holds what existed when the constructor returned; the engine saw no more.
        const declared = await Promise.all(
            all
                .filter((r) => r instanceof pulumi.CustomResource)
                .map(async (r) => (await promiseOf(r.urn)).split("::").pop()),
        );
        assert.deepStrictEqual(
            declared.sort(),
            customs("fleet-")
                .map((r) => r.name)
                .sort(),
        );
        assert.ok(declared.length > 20);
    });

    function checkedIds(): string[] {
        return (rawFleet().devices as { deviceId: string }[]).map((d) => d.deviceId).sort();
    }
});
