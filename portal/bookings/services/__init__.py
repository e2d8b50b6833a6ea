"""Guest-seat request services, one module per sub-area (as Indico's room booking splits its own):

- common: errors, loading options, the request lock, the life-cycle move (audit entry and notifications),
  and `seat_users`, the hook through which a higher feature holds a request's seats;
- filing: filing from a section to one or more guest centers (deadline, partner rule, seats, committee);
- availability: free and busy workstations, the candidate guest centers ranked by fit, clashes;
- answering: the guest side accepts with specific workstations (or partly) or rejects;
- lifecycle: submit, withdraw, cancel, complete, edit with reconfirmation; the timeline;
- calendars, feeds, fees: a center's day and week calendar, its private .ics feeds, its fee standards.

Services load, apply the pure rules, change, write the audit entry and notifications, and flush; the view
commits once. Callers import the module of their sub-area; nothing is re-exported here.
"""
