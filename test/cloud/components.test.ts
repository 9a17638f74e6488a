import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import {
    calls,
    collector,
    customs,
    dpsPolicyKey,
    hubHost,
    installMocks,
    pem,
    promiseOf,
    reveal,
    secretAlong,
} from "./harness";

type HubModule = typeof import("../../components/hub");
type DpsModule = typeof import("../../components/dps");

describe("IotHub and ProvisioningService on their own", function () {
    let hubMod: HubModule;
    let dpsMod: DpsModule;

    before(async function () {
        installMocks();
        hubMod = await import("../../components/hub");
        dpsMod = await import("../../components/dps");
    });

    it("IotHub: disableLocalAuth passes through; no certificate without verifiedCaCerts", async function () {
        const c = collector();
        const hub = new hubMod.IotHub(
            "solo",
            {
                resourceGroupName: "rg-x",
                hubName: "solo-hub",
                location: "eastus",
                sku: { name: "F1", capacity: 1 },
                disableLocalAuth: true,
            },
            c.opts,
        );
        await c.settled();
        const rs = customs("solo-");
        assert.deepStrictEqual(
            rs.map((r) => r.type),
            ["azure-native:iothub:IotHubResource"],
        );
        const props = rs[0].inputs.properties as Record<string, unknown>;
        assert.strictEqual(props.disableLocalAuth, true);
        assert.strictEqual(props.minTlsVersion, undefined);
        assert.deepStrictEqual(rs[0].inputs.sku, { name: "F1", capacity: 1 });
        assert.strictEqual(await promiseOf(hub.hostName), hubHost("solo-hub"));
        assert.strictEqual(hub.registryPolicyName, "registryReadWrite");
        assert.strictEqual(await pulumi.isSecret(hub.linkConnectionString), true);
        assert.match(
            await promiseOf(hub.linkConnectionString),
            /^HostName=solo-hub\.azure-devices\.net;SharedAccessKeyName=iothubowner;SharedAccessKey=[A-Za-z0-9+/]+=*$/,
        );
    });

    it("ProvisioningService: marks plain linked-hub connection strings secret, spells Static", async function () {
        const c = collector();
        const svc = new dpsMod.ProvisioningService(
            "svc",
            {
                resourceGroupName: "rg-x",
                dpsName: "svc-dps",
                location: "eastus",
                capacity: 1,
                allocationPolicy: "static",
                linkedHubs: [
                    {
                        connectionString:
                            "HostName=h.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=a2V5",
                        location: "eastus",
                    },
                ],
                verifiedCaCerts: { "ca-1": pem("ca-1"), "ca-2": pem("ca-2") },
            },
            c.opts,
        );
        await c.settled();
        const d = customs("svc-").find((r) => r.name === "svc-iotdps")!;
        assert.ok(secretAlong(d.inputs, ["properties", "iotHubs", 0, "connectionString"]));
        assert.strictEqual(reveal(d.inputs.properties).allocationPolicy, "Static");
        assert.deepStrictEqual(reveal(d.inputs.properties).iotHubs, [
            {
                connectionString:
                    "HostName=h.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=a2V5",
                location: "eastus",
            },
        ]);
        const certs = customs("svc-").filter(
            (r) => r.type === "azure-native:deviceprovisioningservices:DpsCertificate",
        );
        assert.deepStrictEqual(
            certs.map((r) => [r.name, r.inputs.certificateName, r.inputs.provisioningServiceName]),
            [
                ["svc-ca-ca-1", "ca-1", "svc-dps"],
                ["svc-ca-ca-2", "ca-2", "svc-dps"],
            ],
        );
        assert.deepStrictEqual(Object.keys(svc.certificates), ["ca-1", "ca-2"]);
        assert.strictEqual(await pulumi.isSecret(svc.servicePolicyKey), true);
        assert.strictEqual(
            await promiseOf(svc.serviceConnectionString),
            `HostName=svc-dps.azure-devices-provisioning.net;SharedAccessKeyName=provisioningserviceowner;SharedAccessKey=${dpsPolicyKey("svc-dps", "provisioningserviceowner")}`,
        );
        const keyCall = calls.find(
            (k) =>
                k.token ===
                    "azure-native:deviceprovisioningservices:listIotDpsResourceKeysForKeyName" &&
                k.inputs.provisioningServiceName === "svc-dps",
        );
        assert.deepStrictEqual(keyCall?.inputs, {
            keyName: "provisioningserviceowner",
            provisioningServiceName: "svc-dps",
            resourceGroupName: "rg-x",
        });
    });
});
