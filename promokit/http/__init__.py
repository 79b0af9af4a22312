"""HTTP to providers: how one request flows from a provider method to the wire and back.

A provider calls :meth:`ProviderHttp.request <promokit.http.transport.ProviderHttp.request>`
once per operation. From there:

1. **Deadline** (:mod:`~promokit.http.transport`). The call's deadline is the provider's
   ``timeout`` from now, or the caller's :func:`promokit.deadline` block
   (:mod:`~promokit.http.call_deadline`) if that ends first. It is one instant on one clock,
   the event loop's, and every wait below is measured against it: the slot queue, the rate
   limiter, each attempt, the backoff between attempts.
2. **Request record** (:mod:`~promokit.http.request`). Method, URL, operation, body, params,
   deadline, whether a repeat is safe and whether JSON is expected become one
   :class:`~promokit.http.request.Request`, shared by every attempt.
3. **Slots** (:mod:`~promokit.http.limits`). At most ``max_concurrency`` calls of a provider
   are in flight; a call waits for a slot until the deadline, else
   :class:`~promokit.errors.Overloaded` (nothing sent).
4. **Attempt** (``ProviderHttp._attempt``). Each attempt, retries included, takes a place in
   the rate limiter's window (:class:`~promokit.http.limits.RateLimiter`, waiting
   ``deadline - now`` seconds at most), gets a request id (:mod:`~promokit.http.tracing`)
   and a watch on the loop's one deadline timer (:mod:`~promokit.http.deadlines`), then
5. **Send** (:mod:`~promokit.http.session`), the seam to aiohttp: the owned (or the caller's)
   session sends once, with aiohttp's own hidden resends turned off or accounted for, and
   reads the whole body up to ``max_body``.
6. **Reading** (:mod:`~promokit.http.failures`). A lost connection, a redirect, a failure
   the plugin's ``parse_error`` finds, a body that is not JSON: each becomes a typed
   :class:`~promokit.errors.PromokitError` whose ``outcome`` says what reached the provider,
   with every form of the key masked (:mod:`~promokit.http.redact`). A success is returned
   as a :class:`~promokit.http.request.Response`, and the answer is logged on
   ``promokit.http`` (the body, masked, at DEBUG).
7. **Retries** (:mod:`~promokit.http.retries`). Only a retryable failure that a repeat cannot
   make worse (a safe method, or provably not sent) is retried, by tenacity: full-jitter
   backoff, ``Retry-After``, the retry budget, never past the deadline. Attempt ``n`` is
   the n-th send everywhere (logs, observers, :attr:`ProviderHttp.attempts`).
8. **Observers** (:mod:`~promokit.http.observe`) hear of every attempt when a plugin
   implements ``promokit_request_done``.

Decoding the body into a provider's wire types is the plugin's, with :mod:`promokit.http.codec`.
"""
