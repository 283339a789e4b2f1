/** A member as `GET /cluster/status` shows it. */
export interface MemberStatus {
  readonly id: string;
  /** Its base URL, or null when this member does not know it. */
  readonly url: string | null;
  readonly role: 'leader' | 'follower' | 'learner';
  /** The highest index the leader knows the member holds; null unless this member is the leader. */
  readonly matchIndex: number | null;
}

/** The body of `GET /cluster/status`: public, read-only, no secrets. */
export interface ClusterStatus {
  readonly id: string;
  readonly role: 'leader' | 'follower' | 'candidate' | 'learner';
  readonly term: number;
  readonly leader: string | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly members: readonly MemberStatus[];
}
