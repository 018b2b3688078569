import { checkIn } from '@/api/sessions'
import { registerSender } from '@/offline/outbox'

// An offline check-in keeps the code read and the device time; the server checks the code
// against the step of that time and that the time lies inside the window.
registerSender('sessions.checkin', p => checkIn({
  id: String(p.id),
  sessionId: String(p.sessionId),
  code: String(p.code),
  method: p.method === 'qr' ? 'qr' : 'code',
  claimedAt: String(p.claimedAt),
}))
