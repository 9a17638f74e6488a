/**
 * `iotedge-fleet plan-diff OLD_DIR NEW_DIR [--format markdown|text] [--exit-code]
 *  [--allow-missing-old] [--context N]`
 *
 * Compares two offline plans (`iotedge-fleet plan --out DIR`) and prints what changes:
 * resources and devices added, removed or changed, and a unified diff of each device's
 * config.toml. Markdown (the default) is meant for a pull-request comment.
 *
 * Exit codes: 0, or 1 with `--exit-code` when anything changes (as `git diff --exit-code`);
 * 2 when a directory is missing or holds no valid plan.json.
 *
 * A missing OLD_DIR is an error unless `--allow-missing-old` is given: then it stands for the
 * empty plan of a stack that does not exist yet, and everything is "added". Opt-in, so a typo
 * in a path is never mistaken for a new stack.
 *
 * This file only reads the directories; the diff and its rendering are cli/plan-diff/.
 */
import * as fs from "fs";
import * as path from "path";
import { CommandIO, parseOptions, UsageError } from "../io";
import {
    computePlanDiff,
    DEFAULT_CONTEXT,
    Format,
    FORMATS,
    parsePlanDir,
    PlanDirError,
    PlanSnapshot,
    renderPlanDiff,
} from "../plan-diff";

/** Runs `plan-diff`; see the file comment for arguments and exit codes. */
export async function run(argv: string[], io: CommandIO): Promise<number> {
    const { values, flags, positional } = parseOptions(argv, {
        values: ["format", "context"],
        flags: ["exit-code", "allow-missing-old"],
    });
    if (positional.length !== 2) throw new UsageError("plan-diff needs OLD_DIR and NEW_DIR");
    const [oldDir, newDir] = positional;
    const format = (values.format ?? "markdown") as Format;
    if (!FORMATS.includes(format)) {
        throw new UsageError(`--format must be one of ${FORMATS.join(", ")}`);
    }
    const context = values.context === undefined ? DEFAULT_CONTEXT : Number(values.context);
    if (!Number.isInteger(context) || context < 0) {
        throw new UsageError("--context must be a whole number of lines");
    }

    let oldPlan: PlanSnapshot | undefined;
    let newPlan: PlanSnapshot;
    try {
        oldPlan =
            flags.has("allow-missing-old") && !fs.existsSync(oldDir)
                ? undefined
                : readPlanDir(oldDir, "OLD_DIR");
        newPlan = readPlanDir(newDir, "NEW_DIR");
    } catch (err) {
        // A directory that cannot be read (permissions, a file where a folder should be) is
        // reported like an invalid one: exit 2 with the system's message.
        const unreadable = typeof (err as NodeJS.ErrnoException).code === "string";
        if (!(err instanceof PlanDirError) && !unreadable) throw err;
        io.stderr(`iotedge-fleet plan-diff: ${(err as Error).message}\n`);
        return 2;
    }
    const diff = computePlanDiff(oldPlan, newPlan, { context });
    io.stdout(renderPlanDiff(diff, format));
    return diff.hasChanges && flags.has("exit-code") ? 1 : 0;
}

/** Reads a plan directory: plan.json and every devices/<id>/config.toml. */
function readPlanDir(dir: string, role: string): PlanSnapshot {
    const stat = fs.statSync(dir, { throwIfNoEntry: false });
    if (!stat) {
        const hint = role === "OLD_DIR" ? " (for a new stack, pass --allow-missing-old)" : "";
        throw new PlanDirError(dir, [], `${role} does not exist${hint}`);
    }
    if (!stat.isDirectory()) throw new PlanDirError(dir, [], `${role} is not a directory`);
    const planFile = path.join(dir, "plan.json");
    if (!fs.existsSync(planFile)) {
        throw new PlanDirError(dir, [
            `plan.json: not found (write one with: iotedge-fleet plan --stack NAME --out ${dir})`,
        ]);
    }
    const configs = new Map<string, string>();
    const devicesDir = path.join(dir, "devices");
    if (fs.existsSync(devicesDir)) {
        const entries = fs.readdirSync(devicesDir, { withFileTypes: true });
        for (const entry of entries.filter((e) => e.isDirectory())) {
            const file = path.join(devicesDir, entry.name, "config.toml");
            if (fs.existsSync(file)) configs.set(entry.name, fs.readFileSync(file, "utf8"));
        }
    }
    return parsePlanDir(dir, fs.readFileSync(planFile, "utf8"), configs);
}
