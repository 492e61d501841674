/**
 * The simulated instance's data: operators, operator groups and the `xtk:operatorGroup` relation,
 * seeded from a `FixtureCampaignInstance`. Names are stored and matched exactly, as a database
 * would; only `Lower()` in a query folds them.
 */
import type { FixtureCampaignInstance } from '../../fixtures/types.js';
import type { XmlElement } from '../../../lib/targets/campaign/xml.js';

export interface SimOperator {
  readonly id: number;
  readonly name: string;
  readonly ims: boolean;
}
export interface SimGroup {
  readonly id: number;
  readonly name: string;
  readonly label: string;
}

/** An operator-group membership that a SOAP write changed. */
export interface OperatorGroupChange {
  readonly group: string;
  readonly member: string;
  readonly change: 'added' | 'removed';
  /** Epoch ms. */
  readonly at: number;
}

const node = (name: string, attrs: Record<string, string>, children: XmlElement[] = []): XmlElement => ({ name, attrs, children, text: '' });

export class CampaignModel {
  readonly targetId: string;
  private nextId = 1000;
  private readonly operators = new Map<string, SimOperator>();
  private readonly groups = new Map<string, SimGroup>();
  /** `${operatorId}:${groupId}` */
  private readonly links = new Set<string>();
  /** Told of every membership a write changes (not of fixture seeding or `login`). */
  readonly membershipListeners = new Set<(change: OperatorGroupChange) => void>();

  constructor(instance: FixtureCampaignInstance) {
    this.targetId = instance.targetId;
    for (const op of instance.operators) this.addOperator(op.name, op.ims);
    for (const g of instance.groups) this.groups.set(g.name, { id: this.id(), name: g.name, label: g.label ?? g.name });
    for (const m of instance.memberships) {
      const op = this.operator(m.operator);
      const group = this.group(m.group);
      if (!op || !group) throw new Error(`campaign fixture ${instance.targetId}: membership ${m.operator} → ${m.group} names an unknown operator or group`);
      this.links.add(`${op.id}:${group.id}`);
    }
  }

  private id(): number {
    this.nextId += 1;
    return this.nextId;
  }

  addOperator(name: string, ims: boolean): SimOperator {
    const existing = this.operators.get(name);
    if (existing) return existing;
    const op = { id: this.id(), name, ims };
    this.operators.set(name, op);
    return op;
  }

  operator = (name: string): SimOperator | undefined => this.operators.get(name);
  group = (name: string): SimGroup | undefined => this.groups.get(name);
  isMember = (op: SimOperator, group: SimGroup): boolean => this.links.has(`${op.id}:${group.id}`);
  link(op: SimOperator, group: SimGroup): void {
    this.links.add(`${op.id}:${group.id}`);
  }
  unlink(op: SimOperator, group: SimGroup): void {
    this.links.delete(`${op.id}:${group.id}`);
  }

  /** Tell the listeners that a write changed a membership. */
  noteMembership(op: SimOperator, group: SimGroup, change: OperatorGroupChange['change']): void {
    for (const listener of this.membershipListeners) listener({ group: group.name, member: op.name, change, at: Date.now() });
  }

  groupsOf(operator: string): string[] {
    const op = this.operator(operator);
    return op ? [...this.groups.values()].filter((g) => this.isMember(op, g)).map((g) => g.name).sort() : [];
  }
  membersOf(group: string): string[] {
    const g = this.group(group);
    return g ? [...this.operators.values()].filter((op) => this.isMember(op, g)).map((op) => op.name).sort() : [];
  }

  /** Rows of a schema as element trees, the shape conditions and select nodes are evaluated on. */
  rows(schema: string): XmlElement[] | undefined {
    const operatorRow = (op: SimOperator): XmlElement =>
      // [assumed] an IMS operator's `access/@authenticationType` is "ims"; others "native" (contract §6).
      node('operator', { id: String(op.id), name: op.name }, [node('access', { authenticationType: op.ims ? 'ims' : 'native' })]);
    const groupRow = (g: SimGroup): XmlElement => node('group', { id: String(g.id), name: g.name, label: g.label });
    const byId = <T extends { id: number }>(items: Iterable<T>): T[] => [...items].sort((a, b) => a.id - b.id);
    switch (schema) {
      case 'xtk:operator':
        return byId(this.operators.values()).map(operatorRow);
      case 'xtk:group':
        return byId(this.groups.values()).map(groupRow);
      case 'xtk:operatorGroup': {
        const rows: XmlElement[] = [];
        for (const op of byId(this.operators.values())) {
          for (const g of byId(this.groups.values())) {
            if (this.isMember(op, g)) {
              rows.push(node('operatorGroup', { 'operator-id': String(op.id), 'group-id': String(g.id) }, [operatorRow(op), groupRow(g)]));
            }
          }
        }
        return rows;
      }
      default:
        return undefined;
    }
  }

  snapshot(): FixtureCampaignInstance {
    const operators = [...this.operators.values()];
    const groups = [...this.groups.values()];
    return {
      targetId: this.targetId,
      operators: operators.map((op) => ({ name: op.name, ims: op.ims })),
      groups: groups.map((g) => ({ name: g.name, label: g.label })),
      memberships: operators.flatMap((op) => groups.filter((g) => this.isMember(op, g)).map((g) => ({ operator: op.name, group: g.name }))),
    };
  }
}
