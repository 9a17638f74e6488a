import { strict as assert } from "assert";
import fc from "fast-check";
import { checkFleet, formatProblem, renewalPolicyError } from "../../components/fleet";
import { goodFleet, GOOD_FLEET_SECRETS } from "./fixtures";

const hasConfig = (key: string) => GOOD_FLEET_SECRETS.includes(key);

function problemsOf(mutate: (f: any) => void): string[] {
    const fleet = goodFleet();
    mutate(fleet);
    const result = checkFleet(fleet, { hasConfig });
    return result.problems.map(formatProblem);
}

describe("fleet validation", () => {
    it("accepts the good fleet, resolving defaults once", () => {
        const result = checkFleet(goodFleet(), { hasConfig });
        assert.deepEqual(result.problems, []);
        assert.ok(result.ok);
        const fleet = result.fleet;
        const byId = new Map(fleet.devices.map((d) => [d.deviceId, d]));
        // Defaults come from fleet.defaults, then the model's own.
        assert.equal(byId.get("manual-x509")!.ssh.user, "edgeadmin");
        assert.equal(byId.get("manual-x509")!.ssh.port, 22);
        assert.equal(byId.get("manual-x509")!.cloudTimeoutSec, 70);
        assert.equal(byId.get("dps-sym-group")!.registrationId, "dps-sym-group");
        assert.equal(byId.get("dps-sym-individual")!.registrationId, "reg-sym-individual");
        // An X.509 group device's identity is issued by the group's CA.
        assert.equal(byId.get("dps-x509-group")!.identityIssuer, "devices");
        // Symmetric-key devices have no PKI identity.
        assert.equal(byId.get("dps-sym-group")!.identityIssuer, undefined);
        // Edge CA from the PKI by default, CN distinct from the device ID.
        const edgeCa = byId.get("manual-x509")!.edgeCa;
        assert.equal(edgeCa.mode, "pki");
        assert.equal(edgeCa.mode === "pki" && edgeCa.commonName, "Edge CA manual-x509");
        // Individual enrollments default to every linked hub unless they name some.
        const ind = byId.get("dps-x509-individual")!.provisioning;
        assert.ok(ind.method === "dps-x509" && ind.individual);
        assert.deepEqual(ind.method === "dps-x509" && ind.individual?.hubs, ["hub-a", "hub-b"]);
        assert.equal(fleet.enrollmentGroups[0].iotEdge, true);
        assert.deepEqual(fleet.enrollmentGroups[0].reprovisionPolicy, {
            updateHubAssignment: true,
            migrateDeviceData: true,
        });
    });

    it("does not mutate its input", () => {
        const fleet = goodFleet();
        const before = JSON.stringify(fleet);
        checkFleet(fleet, { hasConfig });
        assert.equal(JSON.stringify(fleet), before);
    });

    const cases: Array<[string, (f: any) => void, string[]]> = [
        [
            "duplicate device IDs",
            (f) => (f.devices[1].deviceId = "manual-x509"),
            ['fleet.devices[1].deviceId: duplicate device ID "manual-x509"'],
        ],
        [
            "a registration ID with characters DPS rejects",
            (f) => (f.devices[3].registrationId = "bad/reg id"),
            [
                'fleet.devices[3].registrationId: "bad/reg id" is not a DPS registration ID: letters, digits and : . _ - (not at start or end), at most 128 characters',
            ],
        ],
        [
            "registration IDs that collide case-insensitively",
            (f) => (f.devices[5].registrationId = "DPS-SYM-GROUP"),
            [
                'fleet.devices[5].registrationId: duplicate registration ID "DPS-SYM-GROUP" (DPS compares them case-insensitively)',
            ],
        ],
        [
            "a device whose enrollment group does not exist",
            (f) => (f.devices[3].provisioning.enrollmentGroup = "nope"),
            [
                'fleet.devices[3].provisioning.enrollmentGroup: no enrollment group "nope" in fleet.enrollmentGroups',
            ],
        ],
        [
            "a symmetric-key group used by an X.509 device",
            (f) => (f.devices[5].provisioning.enrollmentGroup = "sym-group"),
            [
                'fleet.devices[5].provisioning.enrollmentGroup: group "sym-group" uses symmetricKey attestation, but dps-x509 needs x509',
            ],
        ],
        [
            "an Edge CA common name equal to the device ID",
            (f) => (f.devices[0].edgeCa = { mode: "pki", commonName: "manual-x509" }),
            [
                "fleet.devices[0].edgeCa.commonName: must differ from the device ID (seed 003: the Edge CA CN can't match the device ID)",
            ],
        ],
        [
            "an Edge CA common name equal to the hostname",
            (f) => {
                f.devices[0].hostname = "gw-01";
                f.devices[0].edgeCa = { mode: "pki", commonName: "GW-01" };
            },
            [
                "fleet.devices[0].edgeCa.commonName: must differ from the hostname (seed 003: the Edge CA CN can't match the hostname)",
            ],
        ],
        [
            "DPS provisioning with a parent hostname",
            (f) => (f.devices[3].parentHostname = "gateway.local"),
            [
                "fleet.devices[3].parentHostname: DPS provisioning is not supported in nested mode: use a manual method for a child device, or drop parentHostname",
            ],
        ],
        [
            "a renewal threshold in days written as 10d",
            (f) =>
                (f.devices[8].edgeCa = {
                    mode: "quickstart",
                    autoRenew: { rotateKey: true, threshold: "10d", retry: "4%" },
                }),
            [
                'fleet.devices[8].edgeCa.autoRenew.threshold: "10d" is not a renewal policy: use N% (1-99), Nmin or Nday (e.g. "80%", "10min", "4day"; "4d" and "10m" are rejected by IoT Edge)',
            ],
        ],
        [
            "a renewal retry of 100%",
            (f) =>
                (f.devices[7].edgeCa = {
                    mode: "est",
                    autoRenew: { rotateKey: true, threshold: "80%", retry: "100%" },
                }),
            ['fleet.devices[7].edgeCa.autoRenew.retry: "100%": a percentage must be below 100%'],
        ],
        [
            "a quickstart Edge CA that does not rotate its key",
            (f) =>
                (f.devices[8].edgeCa = {
                    mode: "quickstart",
                    autoRenew: { rotateKey: false, threshold: "80%", retry: "4%" },
                }),
            [
                "fleet.devices[8].edgeCa.autoRenew.rotateKey: must be true for a quickstart Edge CA (IoT Edge requires it)",
            ],
        ],
        [
            "cloud_timeout_sec below 70",
            (f) => (f.devices[0].cloudTimeoutSec = 10),
            [
                'fleet.devices[0].cloudTimeoutSec: 10 is below 70: IoT Edge rejects it ("cloud_timeout_sec must be at least 70 seconds")',
            ],
        ],
        [
            "a DPS link to a hub that does not exist",
            (f) => (f.dps.links[1].hub = "hub-z"),
            [
                'fleet.devices[4].provisioning.individual.hubs[0]: hub "hub-b" is not linked to the DPS (fleet.dps.links)',
                'fleet.dps.links[1].hub: no hub named "hub-z" in fleet.hubs',
            ],
        ],
        [
            "a manual device on a hub that does not exist",
            (f) => (f.devices[1].provisioning.hub = "hub-z"),
            ['fleet.devices[1].provisioning.hub: no hub named "hub-z" in fleet.hubs'],
        ],
        [
            "an unknown field (a typo IoT Edge would silently ignore)",
            (f) => (f.devices[0].hostnmae = "x"),
            [
                "fleet.devices[0].hostnmae: unknown field (check the spelling; see components/fleet/schema.ts)",
            ],
        ],
        [
            "an unknown provisioning method",
            (f) => (f.devices[0].provisioning = { method: "dps-magic", hub: "hub-a" }),
            [
                "fleet.devices[0].provisioning.method: Invalid discriminator value. Expected 'manual-x509' | 'manual-symmetric-key' | 'manual-connection-string' | 'dps-symmetric-key' | 'dps-x509' | 'dps-x509-est' | 'dps-tpm'",
            ],
        ],
        [
            "an unpinned IoT Edge version",
            (f) => delete f.defaults.versions.aziotEdge,
            // Every device inherits the gap: each is named.
            Array.from(
                { length: 9 },
                (_, i) =>
                    `fleet.devices[${i}].versions.aziotEdge: required: pin the IoT Edge version (apt list -a aziot-edge), here or in fleet.defaults.versions`,
            ),
        ],
        [
            "identity service from another release than IoT Edge",
            (f) => (f.devices[0].versions = { aziotIdentityService: "1.4.9-1" }),
            [
                "fleet.devices[0].versions: aziot-edge 1.5.21-1 and aziot-identity-service 1.4.9-1 are from different releases (aziot-edge depends on the identity service of its own minor version)",
            ],
        ],
        [
            "a missing secret config key",
            (f) => (f.devices[2].provisioning.connectionStringSecret = "csMissing"),
            [
                'fleet.devices[2].provisioning.connectionStringSecret: config key "csMissing" is not set (pulumi config set --secret csMissing ...)',
            ],
        ],
        [
            "both a group and an individual enrollment",
            (f) => (f.devices[3].provisioning.individual = {}),
            [
                "fleet.devices[3].provisioning: give exactly one of enrollmentGroup (a group of fleet.enrollmentGroups) or individual (an individual enrollment)",
            ],
        ],
        [
            "an X.509 group device whose identity comes from another CA",
            (f) => (f.devices[5].issuer = "root"),
            [
                'fleet.devices[5].issuer: the identity certificate must chain to the group\'s CA "devices", not "root"',
            ],
        ],
        [
            "device certificates renewed before they are issued",
            (f) => (f.pki.deviceCertificates = { identityValidityDays: 30, earlyRenewalDays: 30 }),
            [
                "fleet.pki.deviceCertificates.earlyRenewalDays: 30 must be below identityValidityDays (30)",
            ],
        ],
        [
            "a CA whose early renewal is not shorter than its validity",
            (f) => Object.assign(f.pki.cas[1], { validityDays: 90, earlyRenewalDays: 90 }),
            ["fleet.pki.cas[1].earlyRenewalDays: 90 must be below validityDays (90)"],
        ],
        [
            "a CA issued by a CA that does not exist",
            (f) => (f.pki.cas[1].issuer = "nope"),
            ['fleet.pki.cas[1].issuer: no CA named "nope" in fleet.pki.cas'],
        ],
        [
            "CAs that issue each other",
            (f) => (f.pki.cas[0].issuer = "devices"),
            [
                "fleet.pki.cas[0].issuer: CA issuers form a cycle",
                "fleet.pki.cas[1].issuer: CA issuers form a cycle",
            ],
        ],
        [
            "an EFLOW device with manual provisioning",
            (f) => (f.devices[0].kind = "eflow"),
            [
                "fleet.devices[0].kind: an EFLOW device is provisioned with dps-x509 or dps-symmetric-key here, not manual-x509",
            ],
        ],
        [
            "a parent device that is not in the fleet",
            (f) => (f.devices[1].parentDeviceId = "gw-missing"),
            ['fleet.devices[1].parentDeviceId: no device "gw-missing" in fleet.devices'],
        ],
        [
            "a device that is its own parent",
            (f) => (f.devices[1].parentDeviceId = "manual-sas"),
            ["fleet.devices[1].parentDeviceId: a device cannot be its own parent"],
        ],
        [
            "a device without an SSH host",
            (f) => delete f.devices[0].ssh,
            ["fleet.devices[0].ssh.host: required (here or in fleet.defaults.ssh)"],
        ],
        [
            "an invalid hostname",
            (f) => (f.devices[0].hostname = "bad_host!"),
            ['fleet.devices[0].hostname: "bad_host!" is not a valid hostname (RFC 1035 labels)'],
        ],
        [
            "a wrong type",
            (f) => (f.devices[0].cloudRetries = "three"),
            ["fleet.devices[0].cloudRetries: Invalid input: expected number, received string"],
        ],
    ];

    for (const [what, mutate, expected] of cases) {
        it(`rejects ${what}`, () => {
            assert.deepEqual(problemsOf(mutate), expected);
        });
    }

    it("reports every problem at once, in a stable order", () => {
        const problems = problemsOf((f) => {
            f.devices[1].deviceId = "manual-x509";
            f.devices[3].parentHostname = "gw";
            f.devices[0].cloudTimeoutSec = 5;
            f.devices[5].provisioning.enrollmentGroup = "missing";
        });
        assert.deepEqual(
            problems.map((p) => p.split(":")[0]),
            [
                "fleet.devices[0].cloudTimeoutSec",
                "fleet.devices[1].deviceId",
                "fleet.devices[3].parentHostname",
                "fleet.devices[5].provisioning.enrollmentGroup",
            ],
        );
    });

    it("reports every shape problem at once too", () => {
        const problems = problemsOf((f) => {
            f.devices[0].cloudRetries = -1;
            f.devices[2].provisioning.method = "nope";
            f.resourceGroup = {};
        });
        assert.equal(problems.length, 4, problems.join("\n"));
        assert.ok(problems.some((p) => p.startsWith("fleet.resourceGroup.name:")));
        assert.ok(problems.some((p) => p.startsWith("fleet.resourceGroup.location:")));
        assert.ok(problems.some((p) => p.startsWith("fleet.devices[0].cloudRetries:")));
        assert.ok(problems.some((p) => p.startsWith("fleet.devices[2].provisioning.method:")));
    });
});

describe("renewal policy grammar (FACTS.md §2)", () => {
    it("accepts N%, Nmin and Nday", () => {
        for (const ok of ["80%", "1%", "99%", "10min", "4day", "1day"]) {
            assert.equal(renewalPolicyError(ok), undefined, ok);
        }
    });
    it("rejects what the parser rejects", () => {
        for (const bad of [
            "4d",
            "10m",
            "10d",
            "0%",
            "100%",
            "0day",
            "80",
            "%",
            "-1%",
            "1.5day",
            " 4day",
        ]) {
            assert.notEqual(renewalPolicyError(bad), undefined, bad);
        }
    });
    it("accepts exactly the strings of the grammar (property)", () => {
        fc.assert(
            fc.property(fc.string(), (s) => {
                const m = /^([1-9][0-9]*|0+[1-9][0-9]*)(%|min|day)$/.exec(s);
                const valid = m !== null && (m[2] !== "%" || Number(m[1]) < 100);
                return (renewalPolicyError(s) === undefined) === valid;
            }),
        );
    });
});
