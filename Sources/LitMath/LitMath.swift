// Placeholder: the generator lands here.
