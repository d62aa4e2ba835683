import { type Domain, e } from './entity.js';

/** Business applications: money, customers, goods, people, and what they write. */
export const BUSINESS_SYSTEMS: readonly Domain[] = [
  {
    name: 'billing',
    title: 'Billing',
    system: 'the billing system',
    entities: [
      e('invoice', 'invoices', 'a bill sent to a customer', [
        'customerId',
        'amountCents',
        'currency',
        'dueDate',
        'status',
      ]),
      e('credit_note', 'credit notes', 'a correction that reduces what a customer owes', [
        'invoiceId',
        'amountCents',
        'reason',
      ]),
      e('subscription', 'subscriptions', "a customer's recurring plan", [
        'customerId',
        'planId',
        'renewsAt',
        'seats',
      ]),
    ],
  },
  {
    name: 'payments',
    title: 'Payments',
    system: 'the payment processor',
    entities: [
      e('charge', 'charges', 'money taken from a card or account', [
        'customerId',
        'amountCents',
        'currency',
        'cardLast4',
      ]),
      e('refund', 'refunds', 'money given back for a charge', ['chargeId', 'amountCents', 'reason']),
      e('payout', 'payouts', 'a transfer of settled funds to the bank', [
        'bankAccountId',
        'amountCents',
        'arrivalDate',
      ]),
    ],
  },
  {
    name: 'crm',
    title: 'CRM',
    system: 'the customer relationship manager',
    entities: [
      e('contact', 'contacts', 'a person the sales team talks to', [
        'email',
        'fullName',
        'companyId',
        'phone',
      ]),
      e('deal', 'deals', 'a sales opportunity in the pipeline', [
        'companyId',
        'stage',
        'valueCents',
        'ownerId',
      ]),
      e('company', 'companies', 'an organisation that buys or may buy', [
        'domain',
        'industry',
        'employeeCount',
      ]),
    ],
  },
  {
    name: 'inventory',
    title: 'Inventory',
    system: 'the warehouse inventory',
    entities: [
      e('stock_item', 'stock items', 'a product kept on warehouse shelves', [
        'sku',
        'warehouseId',
        'quantity',
        'binLocation',
      ]),
      e('warehouse', 'warehouses', 'a building that stores goods', ['region', 'capacity', 'managerId']),
      e('purchase_order', 'purchase orders', 'an order placed with a supplier to restock', [
        'supplierId',
        'sku',
        'quantity',
        'expectedDate',
      ]),
    ],
  },
  {
    name: 'shipping',
    title: 'Shipping',
    system: 'the shipping carrier integration',
    entities: [
      e('shipment', 'shipments', 'a parcel on its way to a customer', [
        'orderId',
        'carrier',
        'trackingNumber',
        'weightGrams',
      ]),
      e('label', 'labels', 'a printable carrier label for a parcel', ['shipmentId', 'format', 'carrier']),
      e('return_request', 'return requests', 'a customer asking to send goods back', [
        'orderId',
        'reason',
        'condition',
      ]),
    ],
  },
  {
    name: 'hr',
    title: 'HR',
    system: 'the human resources system',
    entities: [
      e('employee', 'employees', 'a person on the payroll', [
        'employeeId',
        'department',
        'managerId',
        'startDate',
      ]),
      e('time_off', 'time off requests', 'vacation or sick leave someone asked for', [
        'employeeId',
        'startDate',
        'endDate',
        'kind',
      ]),
      e('payslip', 'payslips', "a month's salary statement", ['employeeId', 'month', 'grossCents']),
    ],
  },
  {
    name: 'calendar',
    title: 'Calendar',
    system: 'the shared calendar',
    entities: [
      e('event', 'events', 'a meeting or appointment on a calendar', [
        'calendarId',
        'startsAt',
        'endsAt',
        'attendees',
        'location',
      ]),
      e('room', 'rooms', 'a meeting room that can be booked', ['building', 'floor', 'capacity']),
    ],
  },
  {
    name: 'mail',
    title: 'Mail',
    system: 'the email service',
    entities: [
      e('message', 'messages', 'an email in a mailbox', ['mailbox', 'from', 'subject', 'receivedAfter']),
      e('draft', 'drafts', 'an email being written, not yet sent', ['to', 'subject', 'body']),
      e('mailing_list', 'mailing lists', 'a group address that fans out to members', [
        'address',
        'members',
        'moderated',
      ]),
    ],
  },
  {
    name: 'tickets',
    title: 'Helpdesk',
    system: 'the helpdesk',
    entities: [
      e('ticket', 'tickets', 'a support case opened by a customer', [
        'requesterEmail',
        'priority',
        'assigneeId',
        'status',
        'tags',
      ]),
      e('macro', 'macros', 'a canned reply agents apply to tickets', ['title', 'actions']),
      e('sla_policy', 'SLA policies', 'response-time targets per priority', [
        'priority',
        'firstResponseMinutes',
      ]),
    ],
  },
  {
    name: 'wiki',
    title: 'Wiki',
    system: 'the internal wiki',
    entities: [
      e('page', 'pages', 'a document in the knowledge base', ['spaceKey', 'title', 'parentId', 'labels']),
      e('space', 'spaces', 'a section of the wiki owned by a team', ['key', 'ownerTeam']),
      e('comment', 'comments', 'a remark left on a wiki page', ['pageId', 'author', 'text']),
    ],
  },
];
