/**
 * The GitOps workflow (.github/workflows/fleet.yml): parsed with `yaml`, its triggers, jobs and
 * ordering asserted, and its two scripts run for real: the stack detection (bash, in a scratch
 * git repository) and the PR comment (actions/github-script, against a fake GitHub API).
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { tempDir } from "./fixtures";

const WORKFLOW = path.join(__dirname, "..", "..", ".github", "workflows", "fleet.yml");

interface Step {
    id?: string;
    name?: string;
    uses?: string;
    run?: string;
    if?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
    "working-directory"?: string;
}

interface Job {
    needs?: string | string[];
    if?: string;
    environment?: string;
    permissions?: Record<string, string>;
    strategy?: { matrix?: Record<string, unknown> };
    env?: Record<string, string>;
    steps: Step[];
    outputs?: Record<string, string>;
}

function load(): {
    on: Record<string, { branches?: string[] }>;
    jobs: Record<string, Job>;
} & Record<string, unknown> {
    const doc = YAML.parseDocument(fs.readFileSync(WORKFLOW, "utf8"));
    assert.deepEqual(doc.errors, []);
    assert.deepEqual(doc.warnings, []);
    return doc.toJS({ maxAliasCount: 100 });
}

const needsOf = (job: Job) => (job.needs === undefined ? [] : ([] as string[]).concat(job.needs));

/** Every job `name` waits for, directly or not. */
function upstream(jobs: Record<string, Job>, name: string, seen = new Set<string>()): Set<string> {
    for (const n of needsOf(jobs[name])) {
        if (!jobs[n]) throw new Error(`${name} needs unknown job ${n}`);
        if (!seen.has(n)) {
            seen.add(n);
            upstream(jobs, n, seen);
        }
    }
    return seen;
}

const step = (job: Job, pred: (s: Step) => boolean, what: string): Step => {
    const s = job.steps.find(pred);
    assert.ok(s, `no step ${what}`);
    return s;
};
const indexOf = (job: Job, pred: (s: Step) => boolean) => job.steps.findIndex(pred);

describe("GitOps workflow (fleet.yml)", () => {
    const wf = load();
    const jobs = wf.jobs;

    it("runs on pull requests to main and on pushes to main, never on pull_request_target", () => {
        assert.deepEqual(Object.keys(wf.on).sort(), ["pull_request", "push"]);
        assert.deepEqual(wf.on.pull_request.branches, ["main"]);
        assert.deepEqual(wf.on.push.branches, ["main"]);
        assert.deepEqual(wf.permissions, { contents: "read" });
    });

    it("never expands ${{ }} inside a script (names from a PR would be injected into the shell)", () => {
        for (const [name, job] of Object.entries(jobs)) {
            for (const s of job.steps) {
                assert.ok(!(s.run ?? "").includes("${{"), `${name}: ${s.name ?? s.run}`);
                assert.ok(!String(s.with?.script ?? "").includes("${{"), `${name}: ${s.name}`);
            }
        }
    });

    it("a job reads needs.X only for a job X it directly needs (GitHub's needs context)", () => {
        for (const [name, job] of Object.entries(jobs)) {
            const text = JSON.stringify(job);
            for (const [, dep] of text.matchAll(/needs\.([\w-]+)\./g)) {
                assert.ok(needsOf(job).includes(dep), `${name} reads needs.${dep}`);
            }
        }
    });

    it("PR job: npm ci, plans the PR and the target branch (in a worktree), plan-diff, comment", () => {
        const job = jobs["plan-diff"];
        assert.match(job.if!, /github\.event_name == 'pull_request'/);
        assert.equal(job.strategy?.matrix?.stack, "${{ fromJSON(needs.stacks.outputs.changed) }}");
        assert.equal(job.permissions?.["pull-requests"], "write");
        const plans = job.steps.filter((s) =>
            /iotedge-fleet plan --stack "\$STACK"/.test(s.run ?? ""),
        );
        assert.equal(plans.length, 2, "plan runs twice: PR head and target branch");
        assert.equal(
            plans.filter((s) => s["working-directory"] === "${{ env.BASE_TREE }}").length,
            1,
        );
        const npmCi = job.steps.filter((s) => (s.run ?? "").trim() === "npm ci");
        assert.equal(npmCi.length, 2, "npm ci in the checkout and in the base worktree");
        const worktree = indexOf(job, (s) =>
            /git worktree add --detach "\$BASE_TREE" "\$BASE_SHA"/.test(s.run ?? ""),
        );
        const baseCi = job.steps.indexOf(npmCi[1]);
        const basePlan = job.steps.indexOf(plans[1]);
        const diff = indexOf(job, (s) =>
            /iotedge-fleet plan-diff "\$PLANS\/old" "\$PLANS\/new"/.test(s.run ?? ""),
        );
        const comment = indexOf(job, (s) => (s.uses ?? "").startsWith("actions/github-script@"));
        assert.ok(
            worktree !== -1 && diff !== -1 && comment !== -1,
            "worktree, diff, comment steps",
        );
        assert.ok(worktree < baseCi && baseCi < basePlan && basePlan < diff && diff < comment);
        assert.match(job.steps[diff].run!, /--exit-code/);
        assert.match(job.steps[diff].run!, /--allow-missing-old/);
        assert.equal(job.env?.BASE_SHA, "${{ github.event.pull_request.base.sha }}");
    });

    it("preview: only with credentials (gated by an output, not a secret in if:), OIDC, policy pack", () => {
        const job = jobs.preview;
        assert.match(job.if!, /needs\.stacks\.outputs\.azure == 'true'/);
        assert.ok(!/secrets\./.test(job.if!));
        assert.ok(needsOf(job).includes("plan-diff"), "preview comes after the offline diff");
        assert.equal(job.permissions?.["id-token"], "write");
        const login = step(job, (s) => (s.uses ?? "").startsWith("azure/login@"), "azure/login");
        assert.deepEqual(Object.keys(login.with!).sort(), [
            "client-id",
            "subscription-id",
            "tenant-id",
        ]);
        const pulumi = step(
            job,
            (s) => (s.uses ?? "").startsWith("pulumi/actions@"),
            "pulumi/actions",
        );
        assert.equal(pulumi.with?.command, "preview");
        assert.equal(pulumi.with?.diff, true);
        assert.equal(pulumi.with?.policyPacks, "policy");
        assert.equal(pulumi.with?.policyPackConfigs, "${{ env.POLICY_CONFIG }}");
        assert.equal(job.env?.STACK, "${{ matrix.stack }}");
        assert.equal(pulumi.env?.ARM_USE_OIDC, "true");
        assert.ok(pulumi.env?.PULUMI_ACCESS_TOKEN);
        // The credentials check maps the secrets through env, as `if:` cannot read secrets.
        const creds = step(jobs.stacks, (s) => s.id === "credentials", "credentials");
        for (const k of [
            "PULUMI_ACCESS_TOKEN",
            "AZURE_CLIENT_ID",
            "AZURE_TENANT_ID",
            "AZURE_SUBSCRIPTION_ID",
        ]) {
            assert.equal(creds.env?.[k], `\${{ secrets.${k} }}`);
        }
        assert.equal(jobs.stacks.outputs?.azure, "${{ steps.credentials.outputs.azure }}");
    });

    it("deploy: only on push to main, pulumi up per environment, dev before others before prod", () => {
        const deploys = ["deploy-dev", "deploy-others", "deploy-prod"];
        for (const name of deploys) {
            const job = jobs[name];
            assert.match(job.if!, /github\.event_name == 'push'/, name);
            assert.match(job.if!, /github\.ref == 'refs\/heads\/main'/, name);
            const up = step(job, (s) => (s.uses ?? "").startsWith("pulumi/actions@"), `${name} up`);
            assert.equal(up.with?.command, "up", name);
            assert.equal(job.permissions?.["id-token"], "write", name);
            assert.ok(
                job.steps.some((s) => (s.uses ?? "").startsWith("azure/login@")),
                name,
            );
        }
        for (const name of ["preview", ...deploys]) {
            // Each environment's policy config (production rules, mandatory for prod) is passed.
            const job = jobs[name];
            const cfg = step(
                job,
                (s) => /POLICY_CONFIG=policy\/config\.\$STACK\.json/.test(s.run ?? ""),
                `${name} policy config`,
            );
            const up = job.steps.findIndex((s) => (s.uses ?? "").startsWith("pulumi/actions@"));
            assert.ok(job.steps.indexOf(cfg) < up, name);
            assert.equal(job.steps[up].with?.policyPackConfigs, "${{ env.POLICY_CONFIG }}", name);
        }
        for (const env of ["dev", "prod"]) {
            const cfg = path.join(__dirname, "..", "..", "policy", `config.${env}.json`);
            assert.ok(fs.existsSync(cfg), `policy/config.${env}.json`);
        }
        assert.equal(jobs["deploy-dev"].environment, "dev");
        assert.equal(jobs["deploy-prod"].environment, "prod");
        assert.equal(jobs["deploy-others"].environment, "${{ matrix.stack }}");
        assert.equal(jobs["deploy-dev"].env?.STACK, "dev");
        assert.equal(jobs["deploy-prod"].env?.STACK, "prod");
        assert.ok(upstream(jobs, "deploy-prod").has("deploy-dev"));
        assert.ok(upstream(jobs, "deploy-prod").has("deploy-others"));
        assert.ok(upstream(jobs, "deploy-others").has("deploy-dev"));
        assert.ok(!upstream(jobs, "deploy-dev").has("deploy-prod"));
        assert.ok(upstream(jobs, "deploy-dev").has("check"), "tests pass before anything deploys");
        // Prod must not run when dev failed, even though it tolerates skipped "others".
        assert.match(jobs["deploy-prod"].if!, /needs\.deploy-dev\.result == 'success'/);
        // No deploy job can run on a pull request.
        for (const [name, job] of Object.entries(jobs)) {
            const usesUp = job.steps.some((s) => s.with?.command === "up");
            if (usesUp) assert.ok(deploys.includes(name), `${name} runs pulumi up`);
        }
    });

    describe("stack detection script", () => {
        const script = step(jobs.stacks, (s) => s.id === "detect", "detect").run!;
        let repo: string;
        let base: string;
        const git = (...args: string[]) =>
            execFileSync("git", args, { cwd: repo, encoding: "utf8" }).trim();
        const write = (file: string, text = "x\n") => {
            fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
            fs.writeFileSync(path.join(repo, file), text);
        };

        function detect(event = "pull_request"): Record<string, string[]> {
            const out = path.join(repo, "..", "github-output");
            fs.writeFileSync(out, "");
            execFileSync("bash", ["-c", script], {
                cwd: repo,
                env: { ...process.env, EVENT_NAME: event, BASE_SHA: base, GITHUB_OUTPUT: out },
                encoding: "utf8",
            });
            const result: Record<string, string[]> = {};
            for (const line of fs.readFileSync(out, "utf8").split("\n").filter(Boolean)) {
                const eq = line.indexOf("=");
                result[line.slice(0, eq)] = JSON.parse(line.slice(eq + 1));
            }
            return result;
        }

        /** Applies `change` on a branch from the base commit, commits, runs detection. */
        function afterChange(change: () => void, event?: string) {
            git("checkout", "-q", "--detach", base);
            change();
            git("add", "-A");
            git("commit", "-q", "--allow-empty", "-m", "change");
            return detect(event);
        }

        before(() => {
            repo = path.join(tempDir("fleet-wf-"), "repo");
            fs.mkdirSync(repo);
            git("init", "-q");
            git("config", "user.email", "t@example.com");
            git("config", "user.name", "t");
            for (const s of ["dev", "prod", "staging"]) write(`stacks/Pulumi.${s}.yaml`);
            write("index.ts");
            write("docs/gitops.md");
            write("README.md");
            git("add", "-A");
            git("commit", "-q", "-m", "base");
            base = git("rev-parse", "HEAD");
        });

        after(() => fs.rmSync(path.dirname(repo), { recursive: true, force: true }));

        it("a stack file change plans that stack only", () => {
            const r = afterChange(() => write("stacks/Pulumi.prod.yaml", "y\n"));
            assert.deepEqual(r, {
                all: ["dev", "prod", "staging"],
                changed: ["prod"],
                others: ["staging"],
            });
        });

        it("a code change plans every stack", () => {
            assert.deepEqual(afterChange(() => write("index.ts", "y\n")).changed, [
                "dev",
                "prod",
                "staging",
            ]);
        });

        it("docs and markdown only: nothing to plan", () => {
            const r = afterChange(() => {
                write("docs/gitops.md", "y\n");
                write("README.md", "y\n");
                write("stacks/README.md", "y\n");
            });
            assert.deepEqual(r.changed, []);
        });

        it("a new stack file is planned and joins the other stacks", () => {
            const r = afterChange(() => write("stacks/Pulumi.qa.yaml"));
            assert.deepEqual(r.changed, ["qa"]);
            assert.deepEqual(r.others, ["qa", "staging"]);
        });

        it("platform stacks deploy before the fleet stacks that reference them", () => {
            const r = afterChange(() => {
                write(
                    "stacks/Pulumi.a-site.yaml",
                    "config:\n  iotedge-fleet:fleet:\n    platform:\n      stack: zz-platform\n",
                );
                write("stacks/Pulumi.zz-platform.yaml", "config:\n  iotedge-fleet:fleet: {}\n");
            });
            // Alphabetically a-site comes first; it references zz-platform, so it goes last.
            assert.deepEqual(r.others, ["staging", "zz-platform", "a-site"]);
        });

        it("a deleted stack is not planned (its file is gone)", () => {
            const r = afterChange(() => fs.rmSync(path.join(repo, "stacks/Pulumi.staging.yaml")));
            assert.deepEqual(r, { all: ["dev", "prod"], changed: [], others: [] });
        });

        it("a stack file with shell in its name is ignored", () => {
            const r = afterChange(() => write("stacks/Pulumi.$(touch pwned).yaml"));
            assert.deepEqual(r.all, ["dev", "prod", "staging"]);
            assert.deepEqual(r.changed, []);
            assert.ok(!fs.existsSync(path.join(repo, "pwned")));
        });

        it("on push, every stack", () => {
            assert.deepEqual(afterChange(() => {}, "push").changed, ["dev", "prod", "staging"]);
        });
    });

    describe("PR comment script", () => {
        const commentStep = step(
            jobs["plan-diff"],
            (s) => (s.uses ?? "").startsWith("actions/github-script@"),
            "comment",
        );
        const script = String(commentStep.with!.script);
        const marker = "<!-- iotedge-fleet plan-diff stack=dev -->";

        async function runScript(
            diff: string,
            changed: boolean,
            existing: Array<{ id: number; body: string; type: string }>,
        ) {
            const dir = tempDir("fleet-comment-");
            const diffFile = path.join(dir, "diff.md");
            fs.writeFileSync(diffFile, diff);
            const calls: Array<[string, Record<string, unknown>]> = [];
            const listComments = async () => ({});
            const github = {
                paginate: async (fn: unknown, params: Record<string, unknown>) => {
                    assert.equal(fn, listComments);
                    assert.equal(params.issue_number, 42);
                    return existing.map((c) => ({
                        id: c.id,
                        body: c.body,
                        user: { type: c.type },
                    }));
                },
                rest: {
                    issues: {
                        listComments,
                        createComment: async (p: Record<string, unknown>) =>
                            void calls.push(["create", p]),
                        updateComment: async (p: Record<string, unknown>) =>
                            void calls.push(["update", p]),
                    },
                },
            };
            const context = {
                repo: { owner: "contoso", repo: "fleet" },
                issue: { number: 42 },
                runId: 7,
                serverUrl: "https://github.com",
            };
            const core = { info: () => {} };
            const saved = { ...process.env };
            Object.assign(process.env, {
                STACK: "dev",
                DIFF_FILE: diffFile,
                CHANGED: String(changed),
                BASE_SHA: "0123456789abcdef",
            });
            try {
                const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
                await new AsyncFunction("github", "context", "core", "require", script)(
                    github,
                    context,
                    core,
                    require,
                );
            } finally {
                process.env = saved;
                fs.rmSync(dir, { recursive: true, force: true });
            }
            return calls;
        }

        it("creates a comment with the marker when the plan changes", async () => {
            const calls = await runScript("**Plan diff**: 1 resource added\n", true, []);
            assert.equal(calls.length, 1);
            assert.equal(calls[0][0], "create");
            const body = String(calls[0][1].body);
            assert.ok(body.startsWith(`${marker}\n**Plan diff**: 1 resource added\n`), body);
            assert.ok(body.includes("`0123456`"), body);
            assert.ok(body.includes("https://github.com/contoso/fleet/actions/runs/7"), body);
        });

        it("updates its own earlier comment instead of adding one", async () => {
            const calls = await runScript("no changes\n", false, [
                { id: 1, body: `${marker}\nold`, type: "User" },
                { id: 2, body: "unrelated", type: "Bot" },
                { id: 3, body: `${marker}\nold`, type: "Bot" },
            ]);
            assert.deepEqual(
                calls.map(([op, p]) => [op, p.comment_id]),
                [["update", 3]],
            );
        });

        it("does not comment when nothing changes and there is no earlier comment", async () => {
            assert.deepEqual(await runScript("no changes\n", false, []), []);
        });

        it("keeps a long diff under GitHub's comment limit, cut before the config.toml section", async () => {
            const diff = `summary\n\n### Devices: 1 added\n\n### config.toml: 1 device\n${"+x\n".repeat(40000)}`;
            const calls = await runScript(diff, true, []);
            const body = String(calls[0][1].body);
            assert.ok(body.length < 65536, `${body.length}`);
            assert.ok(body.includes("### Devices: 1 added"));
            assert.ok(!body.includes("### config.toml"));
            assert.ok(body.includes("`plan-diff-dev` artifact"));
        });
    });
});
