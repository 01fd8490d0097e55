// Placeholder: the schedulers land here.
