"""Keeping reporters and supporters informed (issue 15, §3).

- `subscribe_reporter` / `follow` record who wants to hear about a report
  (`reports.models.Subscription`);
- `queue_event` writes one outbox row (`reports.models.Notification`) per active
  subscription for a status change or a public note, in the event's transaction;
- the worker's tasks (`reports.tasks`) send them through a channel
  (`reports.notifications.channels`: e-mail through Django's mail framework, SMS or
  WhatsApp through an HTTP gateway), retrying with backoff;
- signed links (`tokens`) open "my reports", the reporter's verdict on a resolution
  (`verdict`) and unsubscribe, without an account.
"""
