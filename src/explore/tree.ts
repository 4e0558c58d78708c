/**
 * explore's model: the topic tree as messages arrive. Each node counts the topics and messages
 * below it and keeps a smoothed rate; a topic keeps its last value (cut to a byte limit) and a
 * bounded history. Pure: time is passed in. Adding a message costs one step per topic level;
 * the list of visible rows is rebuilt only when the tree's shape, the expansion or the filter
 * changes.
 */
import { topicMatchesFilter } from '../protocol/topics.js';

export interface Sample {
  readonly at: number;
  /** The payload as text (UTF-8, the decoded value as compact JSON, or "hex …"), cut to the byte limit. */
  readonly text: string;
  readonly bytes: number;
  readonly truncated: boolean;
}

export interface TopicValue {
  readonly qos: 0 | 1 | 2;
  readonly retain: boolean;
  readonly properties: Readonly<Record<string, unknown>> | undefined;
  readonly encoding: string | undefined;
}

const NO_CHILDREN: ReadonlyMap<string, TopicNode> = new Map();
const NO_NAMES: readonly string[] = [];
const NO_HISTORY: readonly Sample[] = [];

/** A level of the tree. A leaf allocates no map, list or history of its own: a big broker has a hundred thousand. */
export class TopicNode {
  private kids: Map<string, TopicNode> | undefined;
  private names: string[] | undefined;
  /** Topics at or below this node that have had a message. */
  topics = 0;
  /** Messages at or below this node. */
  messages = 0;
  /** Smoothed messages per second, at or below this node. */
  rate = 0;
  countAtTick = 0;
  /** Set once a message was published to exactly this topic. */
  value: TopicValue | undefined;
  /** Retained messages at or below this node (the last message of each topic retained and non-empty). */
  retained = 0;
  /** The last samples, oldest first. */
  history: readonly Sample[] = NO_HISTORY;

  constructor(
    readonly name: string,
    readonly path: string,
    readonly parent: TopicNode | undefined,
    readonly depth: number,
  ) {}

  get last(): Sample | undefined {
    return this.history[this.history.length - 1];
  }

  get children(): ReadonlyMap<string, TopicNode> {
    return this.kids ?? NO_CHILDREN;
  }

  /** Children names in order, kept sorted as they arrive. */
  get order(): readonly string[] {
    return this.names ?? NO_NAMES;
  }

  addChild(node: TopicNode): void {
    (this.kids ??= new Map()).set(node.name, node);
    insertSorted((this.names ??= []), node.name);
  }

  /** Adds a sample, keeping at most `limit`; true when the oldest one was dropped to make room. */
  record(sample: Sample, limit: number): boolean {
    const h = this.history === NO_HISTORY ? [] : (this.history as Sample[]);
    h.push(sample);
    this.history = h;
    if (h.length <= limit) return false;
    h.shift();
    return true;
  }

  /** Drops the oldest sample unless it is the last value; true when one was dropped. */
  forgetOldest(): boolean {
    if (this.history.length <= 1) return false;
    (this.history as Sample[]).shift();
    return true;
  }
}

export interface TreeLimits {
  /** Samples kept per topic. */
  readonly history: number;
  /** Samples kept in all: past it the oldest histories shrink (every topic keeps its last value), so memory stays bounded however long the run. */
  readonly totalSamples: number;
}

export interface Row {
  readonly node: TopicNode;
  readonly expanded: boolean;
}

/** Time constant of the rate's smoothing: about the last five seconds weigh. */
const RATE_TAU_S = 5;

export class TopicTree {
  readonly root = new TopicNode('', '', undefined, -1);
  private readonly expanded = new Set<TopicNode>();
  private filter: ((topic: string) => boolean) | undefined;
  private filterText = '';
  private rowsCache: Row[] | undefined;
  private lastTick: number | undefined;
  /** Nodes whose rate is not yet back to zero: the only ones a tick touches. */
  private readonly active = new Set<TopicNode>();
  messages = 0;
  /** Samples held in all histories. */
  private samples = 0;
  /** The nodes in the order their samples arrived (some entries stale): the oldest history shrinks first. */
  private arrivals: TopicNode[] = [];
  private arrivalsHead = 0;

  constructor(private readonly limits: TreeLimits) {}

  /** A message arrived; `sample` undefined for an empty retained payload (a deletion). */
  add(topic: string, value: TopicValue, sample: Sample): TopicNode {
    let node = this.root;
    const path: TopicNode[] = [];
    const levels = topic.split('/');
    for (const [i, level] of levels.entries()) {
      let next = node.children.get(level);
      if (next === undefined) {
        next = new TopicNode(level, i === 0 ? level : `${node.path}/${level}`, node, i);
        node.addChild(next);
        this.rowsCache = undefined;
      }
      path.push(next);
      node = next;
    }
    const isNewTopic = node.value === undefined;
    const wasRetained = node.value?.retain === true && (node.last?.bytes ?? 0) > 0;
    const isRetained = value.retain && sample.bytes > 0;
    node.value = value;
    // One entry per sample that added to the total: the queue holds no more entries than samples.
    if (!node.record(sample, this.limits.history)) {
      this.samples += 1;
      this.arrivals.push(node);
    }
    while (this.samples > this.limits.totalSamples && this.arrivalsHead < this.arrivals.length) {
      if ((this.arrivals[this.arrivalsHead++] as TopicNode).forgetOldest()) this.samples -= 1;
    }
    if (this.arrivalsHead > 65_536 && this.arrivalsHead * 2 > this.arrivals.length) {
      this.arrivals = this.arrivals.slice(this.arrivalsHead);
      this.arrivalsHead = 0;
    }
    this.messages += 1;
    for (const n of [this.root, ...path]) {
      n.messages += 1;
      if (isNewTopic) n.topics += 1;
      if (isRetained !== wasRetained) n.retained += isRetained ? 1 : -1;
      this.active.add(n);
    }
    if (isNewTopic && this.filter !== undefined) this.rowsCache = undefined;
    return node;
  }

  /** Rates brought up to `now` (ms): exponential smoothing of the messages counted since the last tick. */
  tick(now: number): void {
    if (this.lastTick === undefined) {
      this.lastTick = now;
      return;
    }
    const dt = (now - this.lastTick) / 1000;
    if (dt <= 0) return;
    this.lastTick = now;
    const keep = Math.exp(-dt / RATE_TAU_S);
    for (const n of this.active) {
      const fresh = (n.messages - n.countAtTick) / dt;
      n.countAtTick = n.messages;
      n.rate = keep * n.rate + (1 - keep) * fresh;
      if (fresh === 0 && n.rate < 0.01) {
        n.rate = 0;
        this.active.delete(n);
      }
    }
  }

  find(topic: string): TopicNode | undefined {
    let node: TopicNode | undefined = this.root;
    for (const level of topic.split('/')) node = node?.children.get(level);
    return node;
  }

  isExpanded(n: TopicNode): boolean {
    return this.filter !== undefined || this.expanded.has(n);
  }

  expand(n: TopicNode): void {
    if (n.children.size === 0 || this.expanded.has(n)) return;
    this.expanded.add(n);
    this.rowsCache = undefined;
  }

  collapse(n: TopicNode): void {
    if (!this.expanded.delete(n)) return;
    this.rowsCache = undefined;
  }

  /** `/`: a wildcard filter when it holds + or #, else a substring of the topic; empty clears it. */
  setFilter(text: string): void {
    this.filterText = text;
    this.filter = text === '' ? undefined : /[+#]/.test(text) ? (t) => topicMatchesFilter(text, t) : (t) => t.includes(text);
    this.rowsCache = undefined;
  }

  get filterShown(): string {
    return this.filterText;
  }

  /** The rows a person can see: expanded subtrees (all of them under a filter, keeping the nodes on the way to a match). */
  rows(): readonly Row[] {
    if (this.rowsCache !== undefined) return this.rowsCache;
    const out: Row[] = [];
    const walk = (n: TopicNode): void => {
      for (const name of n.order) {
        const child = n.children.get(name) as TopicNode;
        if (this.filter !== undefined && !this.hasMatch(child)) continue;
        const open = this.isExpanded(child);
        out.push({ node: child, expanded: open && child.children.size > 0 });
        if (open) walk(child);
      }
    };
    walk(this.root);
    this.rowsCache = out;
    return out;
  }

  private hasMatch(n: TopicNode): boolean {
    if (n.value !== undefined && this.filter?.(n.path) === true) return true;
    for (const c of n.children.values()) if (this.hasMatch(c)) return true;
    return false;
  }

  /** The topics with a retained message at or below `n` (for `d` and `D`: what a deletion would clear). */
  retainedTopics(n: TopicNode, subtree: boolean): string[] {
    const out: string[] = [];
    const visit = (m: TopicNode): void => {
      if (m.value?.retain === true && (m.last?.bytes ?? 0) > 0) out.push(m.path);
      if (subtree) for (const c of m.children.values()) visit(c);
    };
    visit(n);
    return out;
  }
}

function insertSorted(list: string[], item: string): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareLevels(list[mid] as string, item) < 0) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, item);
}

/** Levels in the order a person expects: numbers by value ("2" before "10"), then text. */
export function compareLevels(a: string, b: string): number {
  const na = /^\d+$/.test(a) ? Number(a) : undefined;
  const nb = /^\d+$/.test(b) ? Number(b) : undefined;
  if (na !== undefined && nb !== undefined) return na - nb;
  if (na !== undefined) return -1;
  if (nb !== undefined) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
