/**
 * The program: what `pulumi up` runs (index.ts) and what the offline plan runs under mocks
 * (cli/commands/plan.ts). Reads and validates the fleet from the stack's config, then declares
 * it. Kept apart from index.ts so both run exactly the same code.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadFleetFromConfig } from "./fleet/pulumi-config";
import { ResolvedFleet } from "./fleet/resolve";
import { FleetDeviceOutputs, IotEdgeFleet } from "./iotedge-fleet";
import { PlatformExports, platformExports } from "./platform";

export interface FleetProgramResult {
    fleet: ResolvedFleet;
    component: IotEdgeFleet;
    devices: Record<string, FleetDeviceOutputs>;
    /** The stack outputs (index.ts exports these): nothing secret. */
    outputs: {
        hubHostNames: pulumi.Output<Record<string, string>>;
        dpsIdScope?: pulumi.Output<string>;
        dpsServiceHostName?: pulumi.Output<string>;
        devices: string[];
        /** What fleet stacks read from this stack, unless it is itself a fleet stack. */
        platform?: PlatformExports;
    };
}

/** The stack outputs, without the ones this stack has no value for (Pulumi warns on those). */
export function stackOutputs(outputs: FleetProgramResult["outputs"]): Record<string, unknown> {
    const { platform, ...own } = outputs;
    const all: Record<string, unknown> = { ...own, ...platform };
    return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined));
}

export function runFleetProgram(): FleetProgramResult {
    const { fleet, secrets } = loadFleetFromConfig();
    const component = new IotEdgeFleet("fleet", { fleet, secrets });
    return {
        fleet,
        component,
        devices: component.devices,
        outputs: {
            hubHostNames: pulumi.output(component.cloud.hubHostNames),
            dpsIdScope: component.cloud.idScope,
            dpsServiceHostName: component.cloud.dpsServiceHostName,
            devices: fleet.devices.map((d) => d.deviceId),
            platform: fleet.platform ? undefined : platformExports(fleet, component),
        },
    };
}
