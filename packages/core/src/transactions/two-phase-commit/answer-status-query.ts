import type { DecisionLog } from './decision-log.js';
import type { DecisionMessage, StatusMessage } from './messages.js';
import type { PartyId } from './types.js';

/**
 * Answers an in-doubt participant's `status` query from a decision log, the way a coordinator
 * does for a transaction it does not hold in memory: the recorded decision, else **abort,
 * recorded first** (presumed abort; recording it makes sure no coordinator commits the
 * transaction afterwards — `record` is first-wins). Any process that can read and write the
 * decision log can answer — with a Raft-replicated log, any cluster member, so a crashed
 * coordinator blocks nobody.
 *
 * @param from the answering party's id (the decision message's `from`; participants accept decisions from anyone the transport lets through)
 * @param epoch the epoch to stamp on the answer (participants do not fence decisions; 0 is fine)
 * @throws whatever the log's `lookup` or `record` throws (the participant will ask again)
 * @example
 * app.post('/transactions/peer/status', async (req, res) => {
 *   const query = checkTransactionMessage(req.body);
 *   if (query.type !== 'status') return res.status(400).json({ error: 'message.type must be status' });
 *   res.json(await answerStatusQuery(decisionLog, query, { from: memberId }));
 * });
 */
export async function answerStatusQuery(log: DecisionLog, query: StatusMessage, { from, epoch = 0 }: { readonly from: PartyId; readonly epoch?: number }): Promise<DecisionMessage> {
  const decision = (await log.lookup(query.txId)) ?? (await log.record(query.txId, 'abort', [query.from]));
  return { type: decision, txId: query.txId, from, to: query.from, epoch };
}
