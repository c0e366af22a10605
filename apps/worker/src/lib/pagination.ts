import type { Pagination } from "@switchboard/schemas";

/** Offset for a 1-based `start`. */
export function offsetOf(start: number): number {
  return start - 1;
}

export function pagination(
  query: { start: number; size: number; ended_after?: string | undefined },
  returned: number,
  total: number,
): Pagination {
  return {
    start: query.start,
    requested_size: query.size,
    returned_count: returned,
    total,
    hasMore: offsetOf(query.start) + returned < total,
    ...(query.ended_after === undefined ? {} : { ended_after: query.ended_after }),
  };
}
