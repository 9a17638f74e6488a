/**
 * How the guardrails recognise resources (policy/markers.ts): data-plane dynamic resources by
 * type token, `__kind` or input shape; the EdgeDevice apply step by type, name and parent.
 */
import { strict as assert } from "assert";

import {
    dataPlaneKind,
    DYNAMIC_RESOURCE_TYPE,
    isEdgeDeviceApplyStep,
    parentType,
    parseUrn,
} from "../../policy/markers";
import { UNKNOWN_STRING, urnOf } from "./harness";
import { unknownCheckingProxy } from "@pulumi/policy";

const CONNECTION = {
    hostName: "dps.azure-devices-provisioning.net",
    policyName: "provisioningserviceowner",
    policyKey: "a2V5",
    __provider: "exports.handler = ...",
};

describe("policy/markers dataPlaneKind", () => {
    const cases: Array<[string, string, Record<string, unknown>, string | undefined]> = [
        [
            "enrollment group by shape",
            DYNAMIC_RESOURCE_TYPE,
            { ...CONNECTION, enrollmentGroupId: "g", attestation: { type: "x509" } },
            "EnrollmentGroup",
        ],
        [
            "individual enrollment by shape (deviceId does not make it a hub identity)",
            DYNAMIC_RESOURCE_TYPE,
            { ...CONNECTION, registrationId: "r", deviceId: "d", attestation: { type: "tpm" } },
            "IndividualEnrollment",
        ],
        [
            "hub device identity by shape",
            DYNAMIC_RESOURCE_TYPE,
            { ...CONNECTION, deviceId: "d" },
            "HubDeviceIdentity",
        ],
        [
            "__kind wins over the shape",
            DYNAMIC_RESOURCE_TYPE,
            { ...CONNECTION, deviceId: "d", __kind: "IndividualEnrollment" },
            "IndividualEnrollment",
        ],
        [
            "an unknown __kind falls back to the shape",
            DYNAMIC_RESOURCE_TYPE,
            { ...CONNECTION, deviceId: "d", __kind: "Other" },
            "HubDeviceIdentity",
        ],
        [
            "named dynamic type with a module",
            "pulumi-nodejs:dynamic/iotedge:EnrollmentGroup",
            {},
            "EnrollmentGroup",
        ],
        [
            "named dynamic type without a module",
            "pulumi-nodejs:dynamic:HubDeviceIdentity",
            {},
            "HubDeviceIdentity",
        ],
        [
            "a named dynamic type of someone else is not ours, whatever its shape",
            "pulumi-nodejs:dynamic/other:Thing",
            { ...CONNECTION, deviceId: "d" },
            undefined,
        ],
        [
            "another dynamic resource",
            DYNAMIC_RESOURCE_TYPE,
            { __provider: "x", path: "/tmp/a" },
            undefined,
        ],
        [
            "attestation without an ID is not ours",
            DYNAMIC_RESOURCE_TYPE,
            { ...CONNECTION, attestation: { type: "x509" } },
            undefined,
        ],
        [
            "hub identity needs the connection inputs",
            DYNAMIC_RESOURCE_TYPE,
            { deviceId: "d" },
            undefined,
        ],
        [
            "a custom resource with the same shape is not a dynamic resource",
            "azure-native:iothub:IotHubResource",
            { ...CONNECTION, deviceId: "d" },
            undefined,
        ],
    ];
    for (const [title, type, props, want] of cases) {
        it(title, () => {
            assert.equal(dataPlaneKind(type, props), want);
        });
    }

    it("recognises the shape when the ID inputs are unknown (preview), without throwing", () => {
        const props = unknownCheckingProxy({
            ...CONNECTION,
            enrollmentGroupId: UNKNOWN_STRING,
            attestation: { type: "symmetricKey" },
        });
        assert.equal(dataPlaneKind(DYNAMIC_RESOURCE_TYPE, props), "EnrollmentGroup");
    });
});

describe("policy/markers URNs and the EdgeDevice apply step", () => {
    const applyUrn = urnOf(
        ["iotedge:fleet:Fleet", "iotedge:device:EdgeDevice", "command:remote:Command"],
        "dev-1-apply",
    );

    it("parses a URN whose name contains ::", () => {
        assert.deepEqual(parseUrn("urn:pulumi:prod::proj::a:b:C$d:e:F::x::y"), {
            stack: "prod",
            project: "proj",
            typeChain: ["a:b:C", "d:e:F"],
            name: "x::y",
        });
        assert.equal(parseUrn("not-a-urn"), undefined);
    });

    it("takes the parent type from the parent URN, else from the type chain", () => {
        assert.equal(parentType(applyUrn), "iotedge:device:EdgeDevice");
        assert.equal(
            parentType(applyUrn, urnOf(["iotedge:other:Thing"], "t")),
            "iotedge:other:Thing",
        );
        assert.equal(parentType(urnOf(["command:remote:Command"], "c")), undefined);
    });

    it("is the apply step only for a command:remote:Command named *-apply under an EdgeDevice", () => {
        const base = { type: "command:remote:Command", name: "dev-1-apply", urn: applyUrn };
        assert.equal(isEdgeDeviceApplyStep(base), true);
        assert.equal(isEdgeDeviceApplyStep({ ...base, name: "dev-1-files" }), false);
        assert.equal(isEdgeDeviceApplyStep({ ...base, type: "command:local:Command" }), false);
        assert.equal(
            isEdgeDeviceApplyStep({
                ...base,
                urn: urnOf(["command:remote:Command"], "dev-1-apply"),
            }),
            false,
        );
    });
});
