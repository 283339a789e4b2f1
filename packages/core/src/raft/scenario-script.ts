import { isProposalDroppedError } from '../errors/proposal-dropped-error.js';
import type { RaftConfig } from './config.js';
import { type ConfChange, type ConfChangeStep, decodeConfChange } from './conf-change.js';
import type { Entry } from './entry.js';
import { isConfChangeError } from './errors/conf-change-error.js';
import type { ConfState } from './raft-state.js';
import type { Message } from './messages.js';
import { TestNetwork } from './test-network.js';

/** One command of a scenario script and the output it should print. */
export interface ScriptBlock {
  /** The command line (`campaign a`), after any comment lines. */
  readonly command: string;
  /** The expected output, without its final newline. */
  readonly expected: string;
  /** The line of the command, from 1, for failure messages. */
  readonly line: number;
}

/**
 * Parses a scenario script in etcd's datadriven layout: comment lines (`#`), then a command,
 * a line `----`, the expected output, and a blank line to end the block.
 */
export function parseScript(text: string): ScriptBlock[] {
  const lines = text.split('\n');
  const blocks: ScriptBlock[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = (lines[i] as string).trim();
    if (line === '' || line.startsWith('#')) {
      i++;
      continue;
    }
    if (lines[i + 1] !== '----') throw new Error(`line ${i + 2}: expected "----" after the command "${line}"`);
    const output: string[] = [];
    let j = i + 2;
    while (j < lines.length && lines[j] !== '') output.push(lines[j++] as string);
    blocks.push({ command: line, expected: output.join('\n'), line: i + 1 });
    i = j;
  }
  return blocks;
}

/** The script with every block's output replaced by `actual` (the rewrite mode). */
export function rewriteScript(text: string, actual: readonly string[]): string {
  const lines = text.split('\n');
  const out: string[] = [];
  let block = 0;
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as string;
    out.push(line);
    if (line.trim() === '' || line.trim().startsWith('#') || lines[i + 1] !== '----') {
      i++;
      continue;
    }
    out.push('----', ...(actual[block++] ?? '').split('\n'));
    i += 2;
    while (i < lines.length && lines[i] !== '') i++;
  }
  return out.join('\n');
}

const decoder = new TextDecoder();
const showEntry = (e: Entry) =>
  `${e.index}/${e.term}${e.type === 'conf-change' ? ` ${showConfChange(decodeConfChange(e.data))}` : e.data.byteLength > 0 ? ` ${decoder.decode(e.data)}` : ''}`;

/** A change in one short word group: `conf(add-voter d, remove a; joint-explicit)`, `conf(leave)`. */
function showConfChange(change: ConfChange): string {
  if (change.changes.length === 0) return 'conf(leave joint)';
  const steps = change.changes.map((c) => `${c.type} ${c.node}`).join(', ');
  return `conf(${steps}${change.transition !== undefined && change.transition !== 'auto' ? `; ${change.transition}` : ''})`;
}

/** A membership in one line. */
function showConf(conf: Required<ConfState>): string {
  const parts = [`voters=${conf.voters.join(',')}`];
  if (conf.votersOutgoing.length > 0) parts.push(`outgoing=${conf.votersOutgoing.join(',')}`);
  if (conf.learners.length > 0) parts.push(`learners=${conf.learners.join(',')}`);
  if (conf.learnersNext.length > 0) parts.push(`learners-next=${conf.learnersNext.join(',')}`);
  if (conf.autoLeave) parts.push('auto-leave');
  return parts.join(' ');
}

const readExtras = (m: { readonly context?: Uint8Array; readonly sentAt?: number }): string =>
  `${m.context === undefined ? '' : ` context=${decoder.decode(m.context)}`}${m.sentAt === undefined ? '' : ` sent-at=${m.sentAt}`}`;

/** A message in one stable line, like etcd's `1->2 MsgApp Term:1 …`. */
export function describeMessage(m: Message): string {
  const head = `${m.from}->${m.to} ${m.type} term=${m.term}`;
  switch (m.type) {
    case 'append':
      return `${head} prev=${m.prevLogIndex}/${m.prevLogTerm} commit=${m.commit} entries=[${m.entries.map(showEntry).join(', ')}]`;
    case 'append-response':
      return m.reject ? `${head} rejected=${m.index} hint=${m.hintIndex}/${m.hintTerm}` : `${head} index=${m.index}`;
    case 'vote':
    case 'pre-vote':
      return `${head} last=${m.lastLogIndex}/${m.lastLogTerm}${m.transfer === true ? ' transfer' : ''}`;
    case 'vote-response':
    case 'pre-vote-response':
      return `${head} ${m.granted ? 'granted' : 'refused'}`;
    case 'heartbeat':
      return `${head} commit=${m.commit}${readExtras(m)}`;
    case 'heartbeat-response':
      return `${head}${readExtras(m)}`;
    case 'read-index':
      return `${head} context=${decoder.decode(m.context)}`;
    case 'transfer-leader':
      return `${head} transferee=${m.transferee}`;
    case 'timeout-now':
      return head;
    case 'read-index-response':
      return `${head} index=${m.index} context=${decoder.decode(m.context)}`;
    case 'snapshot': {
      const { index, term, confState } = m.snapshot.metadata;
      return `${head} snapshot=${index}/${term} voters=${confState.voters.join(',')} data=${m.snapshot.data.byteLength}B`;
    }
  }
}

/**
 * Runs scenario commands against a {@link TestNetwork} and returns what each prints:
 * `add-nodes a b c [pre-vote=false] [check-quorum=false] [election-tick=N] [max-entries=N]
 * [read-only=leaseBased] [max-inflight=N] [max-uncommitted=N]`,
 * `campaign ID`, `tick ID [N]`, `tick-all [N]`, `propose ID TEXT`, `deliver [N]`, `stabilize`,
 * `drop [from=ID] [to=ID] [type=T]`, `isolate ID`, `cut A B`, `heal`, `status`, `log ID`,
 * `compact ID` (snapshot the state machine at its applied index and compact the log; delivering
 * a `snapshot` message reports `'finish'` to its sender, dropping it `'failure'`),
 * `applied ID` (the commands a node's state machine holds), `report-snapshot FROM TO finish|failure`,
 * `read-index ID CONTEXT`, `read-states ID` (the answered reads since the last call),
 * `transfer-leadership ID TO`, `add-node ID` (a node that may join later),
 * `propose-conf-change ID [TYPE:NODE…] [transition=T]` (no steps leaves a joint configuration),
 * `conf ID`, `progress ID` (the leader's view of each member); `add-nodes … learners=l,m` starts
 * with learners.
 */
export class ScenarioRunner {
  private net: TestNetwork | undefined;

  run(command: string): string {
    const [name, ...args] = command.split(/\s+/);
    const options = new Map(args.filter((a) => a.includes('=')).map((a) => a.split('=', 2) as [string, string]));
    const plain = args.filter((a) => !a.includes('='));
    if (name === 'add-nodes') {
      const config: Partial<RaftConfig> = {
        preVote: options.get('pre-vote') !== 'false',
        checkQuorum: options.get('check-quorum') !== 'false',
        electionTick: Number(options.get('election-tick') ?? 10),
        maxEntriesPerMessage: Number(options.get('max-entries') ?? 64),
        readOnly: options.get('read-only') === 'leaseBased' ? 'leaseBased' : 'safe',
        maxInflightMessages: Number(options.get('max-inflight') ?? 256),
        maxUncommittedBytes: Number(options.get('max-uncommitted') ?? Infinity),
      };
      const learners = options.get('learners')?.split(',') ?? [];
      this.net = new TestNetwork({ ids: plain, learners, config });
      return 'ok';
    }
    const net = this.net;
    if (net === undefined) throw new Error('add-nodes first');
    const count = Number(plain[1] ?? plain[0] ?? 1);
    switch (name) {
      case 'campaign':
        net.campaign(plain[0] as string);
        return 'ok';
      case 'tick':
        net.tick(plain[0] as string, plain[1] === undefined ? 1 : Number(plain[1]));
        return 'ok';
      case 'tick-all':
        net.tickAll(plain[0] === undefined ? 1 : Number(plain[0]));
        return 'ok';
      case 'propose':
        try {
          const { index, term } = net.propose(plain[0] as string, plain.slice(1).join(' '));
          return `index=${index} term=${term}`;
        } catch (error) {
          if (!isProposalDroppedError(error)) throw error;
          return `dropped: ${error.reason} (leader ${error.leaderId ?? 'unknown'})`;
        }
      case 'deliver':
      case 'stabilize':
        return this.deliver(net, name === 'deliver' ? count : Infinity);
      case 'drop': {
        const matches = (m: Message) =>
          [...options].every(([key, value]) => (m as unknown as Record<string, unknown>)[key] === value);
        const dropped = net.inFlight.filter(matches);
        net.dropWhere(matches);
        return dropped.map((m) => `dropped ${describeMessage(m)}`).join('\n') || 'nothing';
      }
      case 'isolate':
        net.isolate(plain[0] as string);
        return 'ok';
      case 'cut':
        net.cutLink(plain[0] as string, plain[1] as string);
        return 'ok';
      case 'heal':
        net.heal();
        return 'ok';
      case 'status':
        return [...net.nodes.values()]
          .map(({ id, raft }) => {
            const s = raft.status();
            return `${id}: ${s.role} term=${s.term} vote=${s.vote ?? '-'} leader=${s.leaderId ?? '-'} commit=${s.commit} applied=${s.applied} last=${s.lastIndex}`;
          })
          .join('\n');
      case 'log': {
        const { storage } = net.node(plain[0] as string);
        const { index, term } = storage.snapshot().metadata;
        const head = index > 0 ? [`snapshot ${index}/${term}`] : [];
        return [...head, ...net.log(plain[0] as string).map(showEntry)].join('\n') || 'empty';
      }
      case 'compact': {
        const snapshot = net.compact(plain[0] as string);
        if (snapshot === undefined) return 'nothing to compact';
        const { index, term } = snapshot.metadata;
        return `snapshot ${index}/${term}, first index ${net.node(plain[0] as string).storage.firstIndex()}`;
      }
      case 'report-snapshot': {
        const [from, to, status] = plain as [string, string, 'finish' | 'failure'];
        net.node(from).raft.reportSnapshot(to, status);
        net.process(from);
        const progress = net.node(from).raft.status().progress.get(to);
        return progress === undefined ? 'no progress' : `${to}: ${progress.state} match=${progress.match} next=${progress.next}`;
      }
      case 'read-index':
        try {
          net.readIndex(plain[0] as string, plain[1] as string);
          return 'ok';
        } catch (error) {
          if (!isProposalDroppedError(error)) throw error;
          return `dropped: ${error.reason} (leader ${error.leaderId ?? 'unknown'})`;
        }
      case 'transfer-leadership':
        try {
          net.transferLeadership(plain[0] as string, plain[1] as string);
          const s = net.node(plain[0] as string).raft.status();
          return s.leadTransferee === undefined ? 'no transfer under way here' : `transferring to ${s.leadTransferee}`;
        } catch (error) {
          if (!isProposalDroppedError(error)) throw error;
          return `dropped: ${error.reason} (leader ${error.leaderId ?? 'unknown'})`;
        }
      case 'add-node':
        net.addNode(plain[0] as string);
        return 'ok';
      case 'propose-conf-change': {
        const changes = plain.slice(1).map((step) => {
          const [type, node] = step.split(':') as [ConfChangeStep['type'], string];
          return { type, node };
        });
        const transition = options.get('transition') as ConfChange['transition'];
        try {
          const { index, term } = net.proposeConfChange(plain[0] as string, transition === undefined ? { changes } : { changes, transition });
          return `index=${index} term=${term}`;
        } catch (error) {
          if (isProposalDroppedError(error)) return `dropped: ${error.reason} (leader ${error.leaderId ?? 'unknown'})`;
          if (isConfChangeError(error)) return `refused: ${error.reason}`;
          throw error;
        }
      }
      case 'progress': {
        const { progress } = net.node(plain[0] as string).raft.status();
        return [...progress].map(([id, p]) => `${id}: ${p.state} match=${p.match} next=${p.next}${p.isLearner ? ' learner' : ''}`).join('\n') || 'not leading';
      }
      case 'conf':
        return showConf(net.node(plain[0] as string).raft.status().confState);
      case 'read-states': {
        const { readStates } = net.node(plain[0] as string);
        const lines = readStates.map((r) => `index=${r.index} context=${decoder.decode(r.context)}`);
        readStates.length = 0;
        return lines.join('\n') || 'none';
      }
      case 'applied':
        return net.appliedCommands(plain[0] as string).join(' ') || 'nothing';
      default:
        throw new Error(`unknown command "${name}"`);
    }
  }

  private deliver(net: TestNetwork, max: number): string {
    const lines: string[] = [];
    for (let i = 0; i < max && net.inFlight.length > 0; i++) {
      const message = net.inFlight[0] as Message;
      const before = net.dropped;
      net.deliver();
      lines.push(`${describeMessage(message)}${net.dropped > before ? ' (cut)' : ''}`);
    }
    return lines.join('\n') || 'nothing in flight';
  }
}
