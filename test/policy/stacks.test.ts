/**
 * End to end: every policy over every resource the REAL program declares for the shipped
 * stacks (stacks/Pulumi.prod.yaml, stacks/Pulumi.dev.yaml), as recorded by the offline plan's
 * mocks in a child process (./stack-dump.ts), with the shipped policy config files.
 * - prod with config.prod.json: the production fleet passes every guardrail;
 * - dev with config.prod.json (dev promoted as is): exactly the expected violations;
 * - dev with config.dev.json: production-only policies stand aside.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

import { policies } from "../../policy/policies";
import { runResource, runStack, UNKNOWN_STRING, urnOf } from "./harness";

const ROOT = path.join(__dirname, "..", "..");

interface Dumped {
    type: string;
    name: string;
    parent?: string;
    inputs: Record<string, unknown>;
}

function dumpStack(stack: string): Dumped[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-stack-"));
    try {
        const out = path.join(dir, `${stack}.json`);
        const run = spawnSync(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", "test/policy/stack-dump.ts", stack, out],
            { cwd: ROOT, encoding: "utf8", timeout: 300000 },
        );
        assert.equal(run.status, 0, `stack-dump ${stack}: ${run.stderr}`);
        const unknownToSentinel = (_k: string, v: unknown) =>
            typeof v === "object" && v !== null && "__unknown" in v ? UNKNOWN_STRING : v;
        const all = JSON.parse(fs.readFileSync(out, "utf8"), unknownToSentinel) as Dumped[];
        return all.filter((r) => r.type !== "pulumi:pulumi:Stack");
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function configFile(file: string): Record<string, Record<string, unknown>> {
    const raw = JSON.parse(fs.readFileSync(path.join(ROOT, "policy", file), "utf8"));
    return Object.fromEntries(
        Object.entries(raw as Record<string, Record<string, unknown>>).map(([name, c]) => {
            const props = { ...c };
            delete props.enforcementLevel; // the engine strips it too (getConfig)
            return [name, props];
        }),
    );
}

/** `policy | resource | message`, plus the policies that could not run on unknown values. */
async function evaluate(resources: Dumped[], config: Record<string, Record<string, unknown>>) {
    const byName = new Map(resources.map((r) => [r.name, r]));
    const chain = (r: Dumped): string[] => {
        const p = r.parent === undefined ? undefined : byName.get(r.parent);
        return p ? [...chain(p), r.type] : [r.type];
    };
    const violations: string[] = [];
    const unknown: string[] = [];
    const notApplicable = new Set<string>();
    for (const p of policies) {
        if ("validateResource" in p) {
            for (const r of resources) {
                try {
                    const out = await runResource(p as ResourceValidationPolicy, {
                        type: r.type,
                        name: r.name,
                        urn: urnOf(chain(r), r.name),
                        props: r.inputs,
                        config: config[p.name],
                    });
                    violations.push(...out.violations.map((m) => `${p.name} | ${r.name} | ${m}`));
                    if (out.notApplicable !== undefined) notApplicable.add(p.name);
                } catch (e) {
                    if ((e as object).constructor.name !== "UnknownValueError") throw e;
                    unknown.push(`${p.name} | ${r.name} | ${(e as Error).message}`);
                }
            }
        } else {
            const out = await runStack(
                p as StackValidationPolicy,
                resources.map(({ type, name, parent, inputs }) => ({
                    type,
                    name,
                    parent: parent !== undefined && byName.has(parent) ? parent : undefined,
                    props: inputs,
                })),
                config[p.name],
            );
            violations.push(...out.violations.map((m) => `${p.name} | (stack) | ${m}`));
            if (out.notApplicable !== undefined) notApplicable.add(p.name);
        }
    }
    return { violations, unknown, notApplicable: [...notApplicable].sort() };
}

describe("policy guardrails on the shipped stacks (real program, offline plan mocks)", function () {
    this.timeout(600000);
    let prod: Dumped[];
    let dev: Dumped[];

    before(() => {
        prod = dumpStack("prod");
        dev = dumpStack("dev");
    });

    it("the dumps hold what the policies look at", () => {
        for (const stack of [prod, dev]) {
            const types = new Set(stack.map((r) => r.type));
            for (const t of [
                "iotedge:device:EdgeDevice",
                "command:remote:Command",
                "pulumi-nodejs:dynamic/iotedge:EnrollmentGroup",
                "azure-native:iothub:IotHubResource",
                "tls:index/locallySignedCert:LocallySignedCert",
            ]) {
                assert.ok(types.has(t), t);
            }
        }
    });

    it("prod passes every guardrail under config.prod.json", async () => {
        const result = await evaluate(prod, configFile("config.prod.json"));
        assert.deepEqual(result, { violations: [], unknown: [], notApplicable: [] });
    });

    it("dev promoted as is (config.prod.json) is stopped for its symmetric keys and quickstart CA", async () => {
        const result = await evaluate(dev, configFile("config.prod.json"));
        assert.deepEqual(
            result.violations.map((v) => v.split(" | ").slice(0, 2).join(" | ")),
            EXPECTED_DEV_UNDER_PROD,
        );
        assert.deepEqual(result.unknown, []);
    });

    it("dev under config.dev.json: production-only policies stand aside", async () => {
        const result = await evaluate(dev, configFile("config.dev.json"));
        assert.deepEqual(result.notApplicable, [
            "edge-device-config-visible",
            "no-free-tier-hub",
            "no-quickstart-edge-ca",
            "no-symmetric-key-attestation",
        ]);
        assert.deepEqual(result.violations, EXPECTED_DEV_UNDER_DEV);
    });
});

// From stacks/Pulumi.dev.yaml: the `dev-edge-symmetric` enrollment group uses symmetric keys,
// device `dev-edge-lab` has `edgeCa: { mode: quickstart }`, and the dev hub sets no
// minTlsVersion (a bound policy, so it is reported in dev too, advisory there).
const DEV_HUB = "fleet-cloud-hub-contoso-iot-dev-weu-iothub";
const EXPECTED_DEV_UNDER_PROD = [
    "no-symmetric-key-attestation | fleet-cloud-group-dev-edge-symmetric",
    "no-quickstart-edge-ca | fleet-device-dev-edge-lab-apply",
    `tls-and-local-auth | ${DEV_HUB}`,
];
const EXPECTED_DEV_UNDER_DEV = [
    `tls-and-local-auth | ${DEV_HUB} | IotHubResource "${DEV_HUB}": properties.minTlsVersion is not set; this stack's policy config requires "1.2". Set properties.minTlsVersion to "1.2".`,
];
