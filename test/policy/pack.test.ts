/**
 * The pack as the Pulumi CLI runs it, and the per-environment config files.
 *
 * Constructing `PolicyPack` does not talk to an engine, but it does start the analyzer gRPC
 * server (node_modules/@pulumi/policy/server.js `serve`): it reads `./package.json` from the
 * working directory, binds 127.0.0.1, prints the port and keeps the process alive, and it
 * `process.exit(1)`s on a second pack in the same process. So policy/index.ts is run here in
 * a child process from policy/ (what `pulumi-analyzer-policy` does) and queried over gRPC
 * like the engine: GetAnalyzerInfo, Configure, Analyze.
 */
import { strict as assert } from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

import Ajv from "ajv";

import { configSchemas, DEFAULT_ENFORCEMENT_LEVEL, policies } from "../../policy/policies";

/* eslint-disable @typescript-eslint/no-require-imports */
// Generated gRPC/protobuf code without usable typings for this use: required untyped.
const grpc = require("@grpc/grpc-js");
const analyzerRpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const analyzerPb = require("@pulumi/pulumi/proto/analyzer_pb");
const emptyPb = require("google-protobuf/google/protobuf/empty_pb");
const structPb = require("google-protobuf/google/protobuf/struct_pb");
/* eslint-enable @typescript-eslint/no-require-imports */

const POLICY_DIR = path.join(__dirname, "..", "..", "policy");
const ENFORCEMENT = ["advisory", "mandatory", "disabled", "remediate"];

function readJson(file: string): Record<string, Record<string, unknown>> {
    return JSON.parse(fs.readFileSync(path.join(POLICY_DIR, file), "utf8"));
}

function unary(client: any, method: string, request: unknown): Promise<any> {
    return new Promise((resolve, reject) =>
        client[method](request, (err: Error | null, res: any) =>
            err ? reject(err) : resolve(res),
        ),
    );
}

describe("policy pack (policy/index.ts served like the CLI does)", function () {
    let child: ChildProcess;
    let stderr = "";

    let client: any;

    before(async () => {
        child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "index.ts"], {
            cwd: POLICY_DIR,
            stdio: ["ignore", "pipe", "pipe"],
        });
        child.stderr!.on("data", (d) => (stderr += String(d)));
        const port = await new Promise<number>((resolve, reject) => {
            let out = "";
            const timer = setTimeout(() => reject(new Error(`no port; stderr: ${stderr}`)), 60000);
            child.stdout!.on("data", (d) => {
                out += String(d);
                const m = /^(\d+)\s*$/m.exec(out);
                if (m) {
                    clearTimeout(timer);
                    resolve(Number(m[1]));
                }
            });
            child.on("exit", (code) => reject(new Error(`pack exited ${code}: ${stderr}`)));
        });
        client = new analyzerRpc.AnalyzerClient(
            `127.0.0.1:${port}`,
            grpc.credentials.createInsecure(),
        );
    });

    after(() => {
        client?.close();
        child?.kill();
    });

    it("registers every policy by name, advisory by default, with its config schema", async () => {
        const info = await unary(client, "getAnalyzerInfo", new emptyPb.Empty());
        assert.equal(info.getName(), "iotedge-fleet-guardrails");
        assert.equal(info.getVersion(), "0.1.0");
        const registered = info.getPoliciesList();
        assert.deepEqual(
            registered.map((p: { getName(): string }) => p.getName()),
            [
                "no-symmetric-key-attestation",
                "no-quickstart-edge-ca",
                "edge-device-config-visible",
                "certificate-lifetime-bounds",
                "no-free-tier-hub",
                "tls-and-local-auth",
            ],
        );
        assert.deepEqual(
            registered.map((p: { getName(): string }) => p.getName()),
            policies.map((p) => p.name),
        );
        for (const p of registered) {
            assert.equal(
                p.getEnforcementlevel(),
                analyzerPb.EnforcementLevel.ADVISORY,
                p.getName(),
            );
            const schema = p.getConfigschema().getProperties().toJavaScript();
            assert.deepEqual(
                Object.keys(schema).sort(),
                Object.keys(configSchemas()[p.getName()]!.properties).sort(),
            );
        }
    });

    it("blocks (mandatory) an F1 hub once configured with config.prod.json, over gRPC", async () => {
        const req = new analyzerPb.ConfigureAnalyzerRequest();
        for (const [name, settings] of Object.entries(readJson("config.prod.json"))) {
            const { enforcementLevel, ...props } = settings;
            const pc = new analyzerPb.PolicyConfig();
            pc.setEnforcementlevel(
                analyzerPb.EnforcementLevel[String(enforcementLevel).toUpperCase()],
            );
            pc.setProperties(structPb.Struct.fromJavaScript(props));
            req.getPolicyconfigMap().set(name, pc);
        }
        await unary(client, "configure", req);

        const analyze = new analyzerPb.AnalyzeRequest();
        analyze.setType("azure-native:iothub:IotHubResource");
        analyze.setName("contoso-iot-prod-weu");
        analyze.setUrn(
            "urn:pulumi:prod::iotedge-fleet::azure-native:iothub:IotHubResource::contoso-iot-prod-weu",
        );
        analyze.setProperties(
            structPb.Struct.fromJavaScript({
                resourceGroupName: "rg-iotedge-prod",
                sku: { name: "F1", capacity: 1 },
                properties: { minTlsVersion: "1.2", disableLocalAuth: false },
            }),
        );
        analyze.setOptions(new analyzerPb.AnalyzerResourceOptions());
        const res = await unary(client, "analyze", analyze);
        const diags = res.getDiagnosticsList().map((d: { toObject(): unknown }) => d.toObject());
        assert.deepEqual(
            diags.map((d: { policyname: string; enforcementlevel: number; message: string }) => [
                d.policyname,
                d.enforcementlevel,
                d.message,
            ]),
            [
                [
                    "no-free-tier-hub",
                    analyzerPb.EnforcementLevel.MANDATORY,
                    // The framework puts the policy description before the message.
                    "Production IoT Hubs must not use the free tier (F1), nor the basic tier if configured.\n" +
                        'IotHubResource "contoso-iot-prod-weu": sku.name is "F1" (free tier), which is not allowed in production. Use a standard tier: S1, S2 or S3.',
                ],
            ],
        );
    });
});

describe("policy config files (config.<env>.json)", () => {
    const schemas = configSchemas();
    const names = policies.map((p) => p.name);

    for (const file of ["config.prod.json", "config.dev.json"]) {
        it(`${file}: one entry per policy, each valid against the policy's configSchema`, () => {
            const config = readJson(file);
            assert.deepEqual(Object.keys(config).sort(), [...names].sort());
            const ajv = new Ajv({ allErrors: true, strict: false });
            for (const [name, settings] of Object.entries(config)) {
                const { enforcementLevel, ...props } = settings;
                assert.ok(
                    ENFORCEMENT.includes(String(enforcementLevel)),
                    `${name}.enforcementLevel`,
                );
                const schema = schemas[name]!;
                const validate = ajv.compile({
                    type: "object",
                    properties: schema.properties,
                    required: schema.required ?? [],
                    // PolicyConfigSchema cannot forbid unknown keys, so a typo would be ignored
                    // silently by the engine: forbid them here.
                    additionalProperties: false,
                });
                assert.ok(validate(props), `${file} ${name}: ${ajv.errorsText(validate.errors)}`);
            }
        });
    }

    it("config.prod.json makes every policy mandatory and every production switch true", () => {
        for (const [name, settings] of Object.entries(readJson("config.prod.json"))) {
            assert.equal(settings.enforcementLevel, "mandatory", name);
            if ("production" in schemas[name]!.properties) {
                assert.equal(settings.production, true, name);
            }
        }
    });

    it("config.dev.json blocks nothing and is not production", () => {
        for (const [name, settings] of Object.entries(readJson("config.dev.json"))) {
            assert.equal(settings.enforcementLevel, DEFAULT_ENFORCEMENT_LEVEL, name);
            assert.notEqual(settings.production, true, name);
        }
    });

    it("schema defaults match the code defaults (a pack run without a config file)", () => {
        assert.equal(DEFAULT_ENFORCEMENT_LEVEL, "advisory");
        for (const p of policies) {
            for (const [key, prop] of Object.entries(p.configSchema?.properties ?? {})) {
                if (key === "production") {
                    assert.equal(prop.default, false, `${p.name}.production`);
                }
            }
        }
    });
});
