import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import type * as Dataplane from "../../components/dataplane";

interface Recorded {
    type: string;
    name: string;
    inputs: Record<string, any>;
}

function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((v) => resolve(v)));
}

const POLICY_KEY = Buffer.alloc(32, 9).toString("base64");
const K1 = Buffer.alloc(32, 1).toString("base64");
const K2 = Buffer.alloc(32, 2).toString("base64");
const GENERATED = Buffer.alloc(32, 3).toString("base64");

/** How a secret input reaches the mocks: the RPC secret envelope. */
const secretEnvelope = (value: unknown) => ({
    [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig,
    value,
});

describe("data-plane resources in the graph (under mocks)", function () {
    const recorded: Recorded[] = [];
    const options = new Map<string, pulumi.CustomResourceOptions>();
    const capture: pulumi.ResourceTransformation = (args) => {
        options.set(args.name, args.opts as pulumi.CustomResourceOptions);
        return undefined;
    };
    let dp: typeof Dataplane;
    let group: Dataplane.EnrollmentGroup;
    let individual: Dataplane.IndividualEnrollment;
    let gateway: Dataplane.HubDeviceIdentity;
    let child: Dataplane.HubDeviceIdentity;

    before(async () => {
        pulumi.runtime.setMocks(
            {
                newResource(args) {
                    recorded.push({ type: args.type, name: args.name, inputs: args.inputs });
                    const state: Record<string, any> = {
                        ...args.inputs,
                        etag: `"${args.name}-etag"`,
                    };
                    if (args.inputs.primaryKey === undefined) {
                        state.primaryKey = GENERATED;
                        state.secondaryKey = GENERATED;
                    }
                    if (args.inputs.iotEdge === true && args.inputs.deviceId !== undefined) {
                        state.deviceScope = `ms-azure-iot-edge://${args.inputs.deviceId}-1`;
                    }
                    return {
                        id: String(
                            args.inputs.enrollmentGroupId ??
                                args.inputs.registrationId ??
                                args.inputs.deviceId,
                        ),
                        state,
                    };
                },
                call(args) {
                    throw new Error(`unexpected call ${args.token}`);
                },
            },
            "iotedge-fleet",
            "test",
            false,
        );
        dp = await import("../../components/dataplane");
        const dps = {
            hostName: "fleet-dps.azure-devices-provisioning.net",
            policyName: "provisioningserviceowner",
            policyKey: POLICY_KEY,
        };
        const hub = {
            hostName: "fleet-hub.azure-devices.net",
            policyName: "registryReadWrite",
            policyKey: POLICY_KEY,
        };
        group = new dp.EnrollmentGroup(
            "edge-group",
            {
                ...dps,
                enrollmentGroupId: "edge-group",
                attestation: { type: "symmetricKey" },
                iotEdge: true,
                allocationPolicy: "hashed",
            },
            { transformations: [capture] },
        );
        individual = new dp.IndividualEnrollment(
            "dev-01",
            {
                ...dps,
                registrationId: "dev-01",
                attestation: { type: "symmetricKey" },
                primaryKey: K1,
                secondaryKey: K2,
            },
            { transformations: [capture] },
        );
        gateway = new dp.HubDeviceIdentity(
            "gw",
            { ...hub, deviceId: "gw", iotEdge: true },
            { transformations: [capture] },
        );
        child = new dp.HubDeviceIdentity(
            "edge-l4",
            {
                ...hub,
                deviceId: "edge-l4",
                iotEdge: true,
                parentDeviceScope: gateway.deviceScope.apply((s) => s!),
                endpoint: "https://10.0.0.4",
            },
            { transformations: [capture] },
        );
        await promiseOf(
            pulumi.all([group.urn, individual.urn, gateway.urn, child.urn, child.deviceScope]),
        );
    });

    const byName = (name: string) => {
        const r = recorded.find((x) => x.name === name);
        assert.ok(r, `no resource ${name}`);
        return r;
    };

    it("registers pulumi-nodejs:dynamic/iotedge:<Kind> with a serialized provider", () => {
        assert.deepStrictEqual(recorded.map((r) => [r.type, r.name]).sort(), [
            ["pulumi-nodejs:dynamic/iotedge:EnrollmentGroup", "edge-group"],
            ["pulumi-nodejs:dynamic/iotedge:HubDeviceIdentity", "edge-l4"],
            ["pulumi-nodejs:dynamic/iotedge:HubDeviceIdentity", "gw"],
            ["pulumi-nodejs:dynamic/iotedge:IndividualEnrollment", "dev-01"],
        ]);
        for (const r of recorded) {
            assert.match(String(r.inputs.__provider), /exports\.handler = /);
        }
        assert.match(byName("edge-group").inputs.__provider, /EnrollmentGroup|enrollmentGroups/);
        assert.match(byName("gw").inputs.__provider, /\/devices\//);
    });

    it("passes the expected inputs", () => {
        const g = byName("edge-group").inputs;
        assert.deepStrictEqual(
            {
                hostName: g.hostName,
                policyName: g.policyName,
                policyKey: g.policyKey,
                id: g.enrollmentGroupId,
                attestation: g.attestation,
                iotEdge: g.iotEdge,
                allocationPolicy: g.allocationPolicy,
            },
            {
                hostName: "fleet-dps.azure-devices-provisioning.net",
                policyName: "provisioningserviceowner",
                policyKey: secretEnvelope(POLICY_KEY),
                id: "edge-group",
                attestation: { type: "symmetricKey" },
                iotEdge: true,
                allocationPolicy: "hashed",
            },
        );
        assert.strictEqual(g.primaryKey, undefined, "no key given: DPS generates");
        const i = byName("dev-01").inputs;
        assert.deepStrictEqual(
            [i.registrationId, i.primaryKey, i.secondaryKey],
            ["dev-01", secretEnvelope(K1), secretEnvelope(K2)],
        );
        for (const r of recorded) {
            assert.deepStrictEqual(r.inputs.policyKey, secretEnvelope(POLICY_KEY), r.name);
        }
        const c = byName("edge-l4").inputs;
        assert.deepStrictEqual(
            [c.deviceId, c.iotEdge, c.parentDeviceScope, c.endpoint],
            ["edge-l4", true, "ms-azure-iot-edge://gw-1", "https://10.0.0.4"],
        );
    });

    it("marks key outputs secret (explicit pulumi.secret) and lists them in additionalSecretOutputs", async () => {
        for (const res of [group, individual, gateway, child]) {
            assert.strictEqual(await pulumi.isSecret(res.primaryKey), true);
            assert.strictEqual(await pulumi.isSecret(res.secondaryKey), true);
            assert.strictEqual(await pulumi.isSecret(res.etag), false);
        }
        assert.strictEqual(await promiseOf(group.primaryKey), GENERATED);
        assert.strictEqual(await promiseOf(individual.primaryKey), K1);
        for (const name of ["edge-group", "dev-01", "gw", "edge-l4"]) {
            assert.deepStrictEqual(
                options.get(name)?.additionalSecretOutputs,
                ["policyKey", "primaryKey", "secondaryKey"],
                name,
            );
        }
    });

    it("keeps the policy key and given keys secret as inputs", async () => {
        const policyKey = (group as unknown as { policyKey: pulumi.Output<string> }).policyKey;
        assert.strictEqual(await pulumi.isSecret(policyKey), true);
        const given = (individual as unknown as { primaryKey: pulumi.Output<string> }).primaryKey;
        assert.strictEqual(await pulumi.isSecret(given), true);
        assert.strictEqual(await pulumi.isSecret(group.etag), false);
    });

    it("derives device keys from the group key as secrets", async () => {
        const key = dp.derivedDeviceKey(group.primaryKey, "dev-07");
        assert.strictEqual(await pulumi.isSecret(key), true);
        assert.strictEqual(await promiseOf(key), dp.deriveDeviceKey(GENERATED, "dev-07"));
    });

    it("exposes the edge device scope for children", async () => {
        assert.strictEqual(await promiseOf(gateway.deviceScope), "ms-azure-iot-edge://gw-1");
    });
});
