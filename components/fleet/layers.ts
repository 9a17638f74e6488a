/**
 * Two layers of stacks (README "Large fleets"): a platform stack declares the hubs, DPS, CAs
 * and enrollment groups; any number of fleet stacks declare devices of a site or region and
 * reference the platform. A fleet stack's file names its platform (`fleet.platform.stack`), and
 * its model is completed from the platform stack's file, in the same repository, so the whole
 * fleet is validated and shaped from plain config before anything is declared.
 *
 * Pure: the platform's fleet is passed in (stack-files.ts reads it).
 */
import { PLATFORM_FIELDS } from "./schema";
import { FleetProblem } from "./validate";

export type RawFleet = Record<string, unknown>;

/**
 * The fleet stack's model completed with its platform's cloud side and CAs. Problems (a fleet
 * stack that declares platform fields itself, a platform that is itself a fleet stack) are
 * returned, not thrown, so they are reported with everything else.
 */
export function withPlatform(
    fleet: RawFleet,
    platform: RawFleet | undefined,
    platformStack: string,
): { fleet: RawFleet; problems: FleetProblem[] } {
    const problems: FleetProblem[] = [];
    for (const field of PLATFORM_FIELDS) {
        if (field in fleet) {
            problems.push({
                path: `fleet.${field}`,
                message: `a fleet stack takes ${field} from its platform stack "${platformStack}": remove it here`,
            });
        }
    }
    if (platform === undefined) {
        problems.push({
            path: "fleet.platform.stack",
            message: `no fleet config in the stack file of platform stack "${platformStack}"`,
        });
        return { fleet, problems };
    }
    if ("platform" in platform) {
        problems.push({
            path: "fleet.platform.stack",
            message: `"${platformStack}" is itself a fleet stack; name the platform stack`,
        });
    }
    const merged: RawFleet = { ...fleet };
    for (const field of PLATFORM_FIELDS) {
        if (field in platform && !(field in fleet)) merged[field] = platform[field];
    }
    return { fleet: merged, problems };
}
