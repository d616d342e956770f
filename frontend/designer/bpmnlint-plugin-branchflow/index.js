// BranchFlow's conventions as lint rules, so a designer sees them while drawing; the server's
// deploy checks stay the authority (they also know the role and form catalogues).
module.exports = {
  configs: {
    recommended: {
      rules: {
        'human-task-form': 'error',
        'service-task-action': 'error',
        'due-in-duration': 'error'
      }
    }
  }
};
