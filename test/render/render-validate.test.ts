import { strict as assert } from "assert";
import { configProblems } from "../../components/device/render-validate";
import { FleetProblem } from "../../components/fleet";
import {
    EDGE_CA_CASES,
    estServer,
    GOLDEN_CASES,
    PROVISIONING_CASES,
    RawDevice,
    rawFleet,
    resolveDevicesUnchecked,
} from "./fixtures";
import { checkFleet } from "../../components/fleet";

/** Two valid devices before the one under test, so paths show the real index. */
const FILLER: RawDevice[] = [
    {
        deviceId: "filler-1",
        provisioning: { method: "manual-symmetric-key", hub: "contoso-iot-test" },
    },
    {
        deviceId: "filler-2",
        provisioning: { method: "manual-symmetric-key", hub: "contoso-iot-test" },
    },
];

/**
 * configProblems of `raw` as fleet.devices[2], resolved without checkFleet's rules; checkFleet
 * itself must report exactly those problems too (it runs configProblems for every device).
 */
function problemsOf(raw: RawDevice, defaults: Record<string, unknown> = {}): FleetProblem[] {
    const devices = resolveDevicesUnchecked([...FILLER, raw], defaults);
    assert.deepEqual(configProblems(devices[0]), []);
    const problems = configProblems(devices[2]);
    const checked = checkFleet(rawFleet([...FILLER, raw], defaults)).problems;
    for (const p of problems)
        assert.ok(
            checked.some((c) => c.path === p.path && c.message === p.message),
            `checkFleet misses ${p.path}`,
        );
    return problems;
}

const long = (n: number) => "d".repeat(n);

interface Case {
    name: string;
    raw: RawDevice;
    defaults?: Record<string, unknown>;
    want: FleetProblem[];
}

const CASES: Case[] = [
    {
        name: "manual X.509 device ID longer than a CN (65)",
        raw: { ...PROVISIONING_CASES["manual-x509"], deviceId: long(65), hostname: undefined },
        want: [
            {
                path: "fleet.devices[2].deviceId",
                message:
                    "65 characters: an X.509 device's certificate CN is its device ID and is cut to 64 characters (FACTS.md §2), so it would no longer match; use at most 64",
            },
        ],
    },
    {
        name: "DPS X.509 registration ID longer than a CN (70)",
        raw: { ...PROVISIONING_CASES["dps-x509-group"], registrationId: long(70) },
        want: [
            {
                path: "fleet.devices[2].registrationId",
                message:
                    "70 characters: the identity certificate CN is the registration ID and is cut to 64 characters (FACTS.md §2), so DPS would not match it; use at most 64",
            },
        ],
    },
    {
        name: "EST identity registration ID longer than a CN (65)",
        raw: { ...PROVISIONING_CASES["dps-x509-est"], registrationId: long(65) },
        want: [
            {
                path: "fleet.devices[2].registrationId",
                message:
                    "65 characters: the identity certificate CN is the registration ID and is cut to 64 characters (FACTS.md §2), so DPS would not match it; use at most 64",
            },
        ],
    },
    {
        name: "EST over http://",
        raw: {
            ...PROVISIONING_CASES["dps-x509-est"],
            est: estServer({ url: "http://est.contoso.test/.well-known/est" }),
        },
        want: [
            {
                path: "fleet.devices[2].est.url",
                message:
                    '"http:" EST URL: use https:// (authentication is by bootstrap client certificate, which needs TLS; IoT Edge only warns about http://)',
            },
        ],
    },
    {
        name: "EST URL outside /.well-known/est",
        raw: {
            ...EDGE_CA_CASES["edge-ca-est"],
            est: estServer({ url: "https://est.contoso.test/est" }),
        },
        want: [
            {
                path: "fleet.devices[2].est.url",
                message:
                    'path "/est": EST endpoints are under /.well-known/est (RFC 7030 §3.2.2), e.g. "https://est.example.com/.well-known/est"',
            },
        ],
    },
    {
        name: "EST trusted CA that is not PEM",
        raw: { ...EDGE_CA_CASES["edge-ca-est"], est: estServer({ trustedCaPem: "MIIB..." }) },
        want: [
            {
                path: "fleet.devices[2].est.trustedCaPem",
                message: "must be a PEM certificate (-----BEGIN CERTIFICATE-----)",
            },
        ],
    },
    {
        name: "quickstart renewal threshold and retry not shorter than the lifetime",
        raw: {
            ...EDGE_CA_CASES["edge-ca-quickstart"],
            edgeCa: {
                mode: "quickstart",
                expiryDays: 30,
                autoRenew: { rotateKey: true, threshold: "30day", retry: "43200min" },
            },
        },
        want: [
            {
                path: "fleet.devices[2].edgeCa.autoRenew.retry",
                message:
                    '"43200min" is not shorter than the Edge CA lifetime (expiryDays = 30): use a percentage or a shorter time (seed 003)',
            },
            {
                path: "fleet.devices[2].edgeCa.autoRenew.threshold",
                message:
                    '"30day" is not shorter than the Edge CA lifetime (expiryDays = 30): use a percentage or a shorter time (seed 003)',
            },
        ],
    },
    {
        name: "parent hostname equal to the device's own hostname",
        raw: { ...GOLDEN_CASES["nested-child"], hostname: "edge-gw", parentHostname: "EDGE-GW" },
        want: [
            {
                path: "fleet.devices[2].parentHostname",
                message:
                    "equals the device's own hostname: a child device names its parent gateway",
            },
        ],
    },
    {
        name: "agent image without tag or digest",
        raw: { ...PROVISIONING_CASES["dps-tpm"], agentImage: "contoso.azurecr.io/edge-agent" },
        want: [
            {
                path: "fleet.devices[2].agentImage",
                message:
                    '"contoso.azurecr.io/edge-agent" has no tag or digest: pin one (e.g. "mcr.microsoft.com/azureiotedge-agent:1.5")',
            },
        ],
    },
    {
        name: "agent image with a registry port but no tag",
        raw: { ...PROVISIONING_CASES["dps-tpm"], agentImage: "localhost:5000/edge-agent" },
        want: [
            {
                path: "fleet.devices[2].agentImage",
                message:
                    '"localhost:5000/edge-agent" has no tag or digest: pin one (e.g. "mcr.microsoft.com/azureiotedge-agent:1.5")',
            },
        ],
    },
    {
        name: "agent image with whitespace",
        raw: {
            ...PROVISIONING_CASES["dps-tpm"],
            agentImage: "mcr.microsoft.com/azureiotedge-agent :1.5",
        },
        want: [
            {
                path: "fleet.devices[2].agentImage",
                message: '"mcr.microsoft.com/azureiotedge-agent :1.5" is not an image reference',
            },
        ],
    },
    {
        name: "Microsoft edgeAgent of another release than the runtime",
        raw: {
            ...PROVISIONING_CASES["dps-tpm"],
            agentImage: "mcr.microsoft.com/azureiotedge-agent:1.4",
        },
        want: [
            {
                path: "fleet.devices[2].agentImage",
                message:
                    'edgeAgent 1.4 does not match aziot-edge 1.5.21-1: use the agent of the runtime\'s release ("mcr.microsoft.com/azureiotedge-agent:1.5")',
            },
        ],
    },
    {
        name: "several problems at once, sorted by path",
        raw: {
            ...PROVISIONING_CASES["dps-x509-est"],
            registrationId: long(65),
            agentImage: "edge-agent",
            est: estServer({ url: "http://est.contoso.test/x" }),
        },
        want: [
            {
                path: "fleet.devices[2].agentImage",
                message:
                    '"edge-agent" has no tag or digest: pin one (e.g. "mcr.microsoft.com/azureiotedge-agent:1.5")',
            },
            {
                path: "fleet.devices[2].est.url",
                message:
                    '"http:" EST URL: use https:// (authentication is by bootstrap client certificate, which needs TLS; IoT Edge only warns about http://)',
            },
            {
                path: "fleet.devices[2].est.url",
                message:
                    'path "/x": EST endpoints are under /.well-known/est (RFC 7030 §3.2.2), e.g. "https://est.example.com/.well-known/est"',
            },
            {
                path: "fleet.devices[2].registrationId",
                message:
                    "65 characters: the identity certificate CN is the registration ID and is cut to 64 characters (FACTS.md §2), so DPS would not match it; use at most 64",
            },
        ],
    },
];

/** Inputs close to the rules above that must stay clean. */
const CLEAN: Case[] = [
    {
        name: "a 64-character X.509 registration ID (the CN limit itself)",
        raw: { ...PROVISIONING_CASES["dps-x509-group"], registrationId: long(64) },
        want: [],
    },
    {
        name: "a long registration ID with symmetric keys (no certificate CN)",
        raw: { ...PROVISIONING_CASES["dps-symmetric-key-group"], registrationId: long(100) },
        want: [],
    },
    {
        name: "an http:// EST server in the defaults of a device that does not use EST",
        raw: PROVISIONING_CASES["dps-symmetric-key-group"],
        defaults: { est: estServer({ url: "http://est.contoso.test/x", trustedCaPem: "junk" }) },
        want: [],
    },
    {
        name: "a percentage threshold on a short quickstart lifetime",
        raw: {
            ...EDGE_CA_CASES["edge-ca-quickstart"],
            edgeCa: {
                mode: "quickstart",
                expiryDays: 1,
                autoRenew: { rotateKey: true, threshold: "99%", retry: "1439min" },
            },
        },
        want: [],
    },
    {
        name: "an agent image pinned by digest",
        raw: {
            ...PROVISIONING_CASES["dps-tpm"],
            agentImage: `contoso.azurecr.io/edge-agent@sha256:${"a".repeat(64)}`,
        },
        want: [],
    },
    {
        name: "a patch-pinned Microsoft edgeAgent of the runtime's release",
        raw: {
            ...PROVISIONING_CASES["dps-tpm"],
            agentImage: "mcr.microsoft.com/azureiotedge-agent:1.5.21",
        },
        want: [],
    },
];

describe("configProblems", () => {
    for (const c of CASES) {
        it(`reports ${c.name}`, () => assert.deepEqual(problemsOf(c.raw, c.defaults), c.want));
    }
    for (const c of CLEAN) {
        it(`accepts ${c.name}`, () => assert.deepEqual(problemsOf(c.raw, c.defaults), c.want));
    }
    it("accepts every golden case", () => {
        for (const [stem, raw] of Object.entries(GOLDEN_CASES)) {
            assert.deepEqual(problemsOf(raw), [], stem);
        }
    });
});
