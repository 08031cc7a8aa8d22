// One request id per intended change: the same change sent again (a retry after "try again", a
// double click) keeps its id, so the service answers it from its ledger and changes nothing twice;
// a different change gets a new id (the services refuse an id reused for another request).
import { useRef } from "react";

import { newRequestId } from "../calls/api.js";

export class RequestIds {
  private readonly ids = new Map<string, string>();

  constructor(private readonly make: () => string = newRequestId) {}

  // The id of the change `key` describes (e.g. the method and its request as JSON).
  for(key: string): string {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.make();
      this.ids.set(key, id);
    }
    return id;
  }

  // The change went through: the same request again is a new change (e.g. a second import of the
  // same file after fixing rows elsewhere).
  done(key: string): void {
    this.ids.delete(key);
  }
}

export function useRequestIds(): RequestIds {
  const ref = useRef<RequestIds | null>(null);
  ref.current ??= new RequestIds();
  return ref.current;
}
