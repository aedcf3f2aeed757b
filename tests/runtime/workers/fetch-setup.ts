/**
 * The test client talks to `wrangler dev`, whose local server closes idle keep-alive
 * connections on its own schedule; on a loaded machine a request can race that close and
 * fail with "other side closed" before the gateway ever sees it. A fresh connection per
 * request removes the race from the client side (the gateway is not what is being tested
 * there). Node's fetch honours undici's global dispatcher.
 */
import { Agent, setGlobalDispatcher } from 'undici';

setGlobalDispatcher(new Agent({ pipelining: 0, connections: 256 }));
