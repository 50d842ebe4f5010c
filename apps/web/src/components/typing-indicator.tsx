// Who is typing in the open conversation now (ephemeral: never stored; gone after 5 s).
export function TypingIndicator({ users }: { users: readonly string[] }) {
  const text = users.length === 0 ? '' : users.length === 1 ? `${users[0]} is typing…` : `${users.join(', ')} are typing…`
  return (
    <p class="typing muted small" role="status" data-testid="typing">
      {text}
    </p>
  )
}
