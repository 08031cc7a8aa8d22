// Several replicas of a service behind one Transport, as gRPC's round_robin spreads the services'
// own calls: each call goes to the next replica in turn, and a call a replica answers UNAVAILABLE
// (down, unreachable, or without its database) goes on to the next, until every replica was
// asked once. Mutations are safe to send again: each carries its request id, which the services
// answer from their ledger when they did it already.
import type { DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type Transport } from "@connectrpc/connect";

// The replicas in the order one call tries them, starting at the next in turn.
function rotation<T>(replicas: readonly T[]): () => T[] {
  let next = 0;
  return () => {
    const start = next;
    next = (next + 1) % replicas.length;
    return replicas.map((_, i) => replicas[(start + i) % replicas.length]);
  };
}

async function firstAnswering<R>(
  replicas: Transport[],
  signal: AbortSignal | undefined,
  call: (replica: Transport) => Promise<R>,
): Promise<R> {
  let unavailable: unknown;
  for (const replica of replicas) {
    try {
      return await call(replica);
    } catch (error) {
      if (ConnectError.from(error).code !== Code.Unavailable || signal?.aborted) throw error;
      unavailable = error;
    }
  }
  throw unavailable;
}

async function* replay<T>(messages: T[]): AsyncIterable<T> {
  yield* messages;
}

export function balancedTransport(replicas: Transport[]): Transport {
  if (replicas.length === 0) throw new Error("a service needs at least one address");
  if (replicas.length === 1) return replicas[0];
  const order = rotation(replicas);
  return {
    unary(method, signal, timeoutMs, header, input, contextValues) {
      return firstAnswering(order(), signal, (replica) =>
        replica.unary(method, signal, timeoutMs, header, input, contextValues),
      );
    },
    async stream(method, signal, timeoutMs, header, input, contextValues) {
      // The services stream answers only (exports, change feeds): the request is one message,
      // kept to be sent again. A stream that breaks after it began is the caller's to resume.
      const requests: MessageInitShape<DescMessage>[] = [];
      for await (const message of input) requests.push(message);
      return firstAnswering(order(), signal, (replica) =>
        replica.stream(
          method,
          signal,
          timeoutMs,
          header,
          replay(requests) as typeof input,
          contextValues,
        ),
      );
    },
  };
}

// "host:port,host:port" as the list of addresses; throws naming `name` when one is malformed.
export function addressList(name: string, value: string): string[] {
  const addresses = value.split(",").map((part) => part.trim());
  for (const address of addresses) {
    const port = Number(address.slice(address.lastIndexOf(":") + 1));
    if (!/^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):\d+$/.test(address) || port < 1 || port > 65535) {
      throw new Error(
        `${name}=${value}: "${address}" is not host:port (several replicas: host:port,host:port)`,
      );
    }
  }
  return addresses;
}
