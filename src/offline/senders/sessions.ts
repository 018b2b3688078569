import { checkIn } from '@/api/sessions'
import { registerSender } from '@/offline/outbox'

// An offline check-in keeps the code read and the device time; the server checks the code
// against the step of that time and that the time lies inside the window.
registerSender('sessions.checkin', p => checkIn({
  id: p.id,
  sessionId: p.sessionId,
  code: p.code,
  method: p.method === 'qr' ? 'qr' : 'code',
  claimedAt: p.claimedAt,
}))
