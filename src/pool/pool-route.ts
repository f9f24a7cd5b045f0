import type { RouteSettings } from "../config/index.js";
import type { PooledDeployment } from "./pooled-deployment.js";

/** A deployment as one route lists it: the same deployment can have another priority elsewhere. */
export interface RouteMember {
  readonly deployment: PooledDeployment;
  /** Its position in the route's list. */
  readonly order: number;
  readonly priority: number;
  readonly weight: number;
}

/** A name callers use, the deployments behind it, and how to choose among them. */
export class PoolRoute {
  readonly name: string;
  readonly settings: RouteSettings;
  readonly members: readonly RouteMember[];
  #turns = 0;

  constructor(name: string, settings: RouteSettings, members: readonly RouteMember[]) {
    this.name = name;
    this.settings = settings;
    this.members = members;
  }

  /** Numbers this route's choices, for round robin. */
  nextTurn(): number {
    return this.#turns++;
  }
}
